# syntax=docker/dockerfile:1
# The ordinal image: `npm run image` builds it (scripts/image.sh), or
#   docker build --build-arg ORDINAL_COMMIT=$(git rev-parse HEAD) -t ghcr.io/ordinal/ordinal:0.1.0 .
# Three stages on the official Node 24 slim image: `build` compiles TypeScript and lays out
# exactly what the npm package holds (npm pack: dist/ and the built UDP addon), `deps` installs the production dependencies
# from the lockfile, and the final stage copies those two and nothing else.
ARG NODE_IMAGE=docker.io/library/node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
# A C compiler for the batched UDP addon (native/); the Node headers come with the Node image.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# Scripts are off: the dev dependency `node` would fetch a second Node binary the image has already.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
ARG ORDINAL_COMMIT=unknown
RUN ORDINAL_COMMIT=${ORDINAL_COMMIT} npm pack --pack-destination /tmp \
 && mkdir /app && tar -xzf /tmp/ordinal-*.tgz -C /app --strip-components=1

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No scripts: ordinal's own install script would rebuild the addon, which the build stage did.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
COPY --from=deps /app/node_modules /app/node_modules
COPY --from=build /app /app
RUN ln -s /app/bin/ordinal.js /usr/local/bin/ordinal
# The base image's unprivileged `node` user, by number so that runAsNonRoot can verify it.
USER 1000:1000
WORKDIR /home/node
# DNS (UDP and TCP) and /healthz, /readyz, /metrics, as deploy/deployment.yaml uses them.
EXPOSE 5353/udp 5353/tcp 8080/tcp
ENTRYPOINT ["ordinal"]
CMD ["serve"]
