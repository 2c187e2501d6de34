/**
 * @module `pods/{id}/proxy/{path}` and `services/{id}/proxy/{path}`: every method, bodies
 * streamed both ways (nothing is buffered whole), hop-by-hop headers dropped, `X-Forwarded-*`
 * added, `Location` rewritten back under the proxy path, and kube-apiserver's answers for what
 * goes wrong (k8s.io/apimachinery pkg/util/proxy upgradeaware.go, transport.go).
 */
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, methodNotAllowed } from './errors.ts';
import { sendError } from './http.ts';
import type { PodBackend } from './pod-backend.ts';
import { parseProxyId, podTarget, serviceTarget, type ProxyTarget } from './proxy-target.ts';
import type { Registry } from './registry.ts';
import { findResource } from './resources.ts';

const PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|services)\/([^/]+)\/proxy(\/.*)?$/;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** RFC 9110 §7.6.1 hop-by-hop fields, plus the credentials the authentication filter removes. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'authorization']);
const CORS = /^access-control-allow-(credentials|headers|methods|origin)$/;

export interface ProxyRequest {
  namespace: string;
  kind: 'pods' | 'services';
  id: string;
  /** The sub-path after `/proxy`, undefined for `.../proxy` itself. */
  rest: string | undefined;
  /** The request path up to and including `/proxy`. */
  prefix: string;
}

/** Match a proxy path on the raw (still percent-encoded) URL path. */
export function matchProxyPath(rawPath: string): ProxyRequest | undefined {
  const m = PROXY_PATH.exec(rawPath);
  if (!m) return undefined;
  const [, ns, kind, id, rest] = m;
  return { namespace: decodeURIComponent(ns!), kind: kind as 'pods' | 'services', id: decodeURIComponent(id!), rest, prefix: rawPath.slice(0, rawPath.length - (rest ?? '').length) };
}

function resolveTarget(reg: Registry, p: ProxyRequest): ProxyTarget {
  const parsed = parseProxyId(p.id);
  if (!parsed) throw badRequest(`invalid ${p.kind === 'pods' ? 'pod' : 'service'} request "${p.id}"`);
  const t = { info: findResource('', 'v1', p.kind)!, id: p.kind, namespace: p.namespace };
  const obj = reg.get(t, parsed.name);
  if (p.kind === 'pods') return podTarget(obj, parsed);
  const slices = reg.store.list('endpointslices.discovery.k8s.io', p.namespace).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === parsed.name);
  return serviceTarget(obj, slices, parsed, p.id, (name) => reg.store.get('pods', p.namespace, name));
}

function forwardHeaders(req: IncomingMessage, target: ProxyTarget, originalUri: string): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  const listed = new Set((req.headers.connection ?? '').split(',').map((s) => s.trim().toLowerCase()));
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && !listed.has(k)) out[k] = v;
  out.host = target.port ? `${target.ip}:${target.port}` : target.ip;
  const prior = req.headers['x-forwarded-for'];
  const client = req.socket.remoteAddress ?? '';
  out['x-forwarded-for'] = prior ? `${String(prior)}, ${client}` : client;
  out['x-forwarded-uri'] = originalUri;
  return out;
}

/** Response headers minus hop-by-hop and CORS, with a same-host absolute-path Location re-rooted. */
function responseHeaders(res: IncomingMessage, prefix: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined || HOP.has(k) || CORS.test(k)) continue;
    out[k] = v;
  }
  const loc = res.headers.location;
  if (loc && loc.startsWith('/') && !loc.startsWith('//')) out.location = `${prefix}${loc}`;
  return out;
}

function unreachable(err: unknown): ApiError {
  return new ApiError(503, 'ServiceUnavailable', `error trying to reach service: ${(err as Error)?.message ?? String(err)}`);
}

/** Serve one proxy request. Throws ApiError before anything is written; streams after. */
export async function serveProxy(reg: Registry, backend: PodBackend, p: ProxyRequest, req: IncomingMessage, res: ServerResponse, search: string): Promise<void> {
  const method = req.method ?? 'GET';
  if (!METHODS.has(method)) throw methodNotAllowed();
  const target = resolveTarget(reg, p);
  if (p.rest === undefined && (method === 'GET' || method === 'HEAD')) {
    // As upgradeaware.go: a bare `.../proxy` is redirected to `.../proxy/` so relative links work.
    res.writeHead(301, { Location: `${p.prefix}/${search}` });
    res.end();
    return;
  }
  const port = target.port ?? (target.scheme === 'https' ? 443 : 80);
  if (target.scheme === 'https') throw unreachable(new Error(`https to pod ${target.ip}:${port} is not supported by the simulated pod network`));
  let socket: Duplex;
  try {
    socket = await backend.dial(target.ip, port);
  } catch (err) {
    req.resume();
    throw unreachable(err);
  }
  await new Promise<void>((resolve) => {
    const upstream = request({
      method, path: `${p.rest ?? '/'}${search}`, headers: forwardHeaders(req, target, `${p.prefix}${p.rest ?? ''}${search}`),
      createConnection: () => socket,
    });
    upstream.once('response', (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.statusMessage, responseHeaders(ur, p.prefix));
      ur.pipe(res);
      ur.once('end', resolve);
      ur.once('error', () => { res.destroy(); resolve(); });
    });
    upstream.once('error', (err) => {
      sendError(res, unreachable(err)); // destroys the response if it already started
      resolve();
    });
    // The client went away: drop the upstream exchange too (no leaked sockets).
    res.once('close', () => { if (!res.writableFinished) upstream.destroy(); });
    req.pipe(upstream);
  });
}
