/**
 * @module Upgrade requests (WebSocket, SPDY): authenticated like every request, validated as
 * kube-apiserver validates exec/attach/portforward before it upgrades (pod, container, node),
 * then handed to the WebSocket channel protocol (exec, attach) or to the SPDY/3.1 port-forward
 * server, tunnelled in WebSocket or over a plain `Upgrade: SPDY/3.1`. What cannot be served gets
 * a Status on the raw socket, never a hang: SPDY for exec/attach is named as unsupported.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ApiError, badRequest, toStatus } from './errors.ts';
import { asApiError } from './http.ts';
import { checkStreamTarget, matchNodeSubresource } from './pod-subresources.ts';
import { openPortForward, PORT_FORWARD_TUNNEL } from './port-forward-upgrade.ts';
import { PROTOCOLS, runAttach, runExec, type ChannelProtocol, type Streams } from './remote-command.ts';
import type { ServerContext } from './server.ts';

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };

function reject(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(toStatus(err));
  socket.end(`HTTP/1.1 ${err.code} ${REASONS[err.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function flag(q: URLSearchParams, k: string): boolean {
  const v = q.get(k);
  return v === 'true' || v === '1' || v === 'True';
}

function chooseProtocol(req: IncomingMessage): ChannelProtocol | undefined {
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  return PROTOCOLS.find((p) => offered.includes(p));
}

export interface UpgradeHandler {
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** End every open session (the server is closing). */
  close(): void;
}

export function upgradeHandler(ctx: ServerContext, authorized: (req: IncomingMessage) => boolean): UpgradeHandler {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => PROTOCOLS.find((p) => protocols.has(p)) ?? false });
  // `ws` refuses `SPDY/3.1+portforward.k8s.io` as a subprotocol ("/" is not a token character,
  // RFC 6455 §4.1): the tunnel's protocol is checked before the handshake and echoed here.
  const pf = new WebSocketServer({ noServer: true });
  pf.on('headers', (headers) => headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_TUNNEL}`));
  const raw = new Set<Duplex>();
  const close = (): void => {
    for (const ws of [...wss.clients, ...pf.clients]) ws.terminate();
    for (const s of raw) s.destroy();
    wss.close();
    pf.close();
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    try {
      if (!authorized(req)) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      const url = new URL(req.url ?? '/', 'https://local');
      const target = matchNodeSubresource(url.pathname);
      if (!target || target.subresource === 'log') throw new ApiError(400, 'BadRequest', `upgrade is not supported on ${url.pathname}`);
      if (target.subresource === 'portforward') return openPortForward(ctx, { namespace: target.namespace, name: target.name }, pf, raw, req, socket, head);
      const { pod, container } = checkStreamTarget(ctx, target.namespace, target.name, url.searchParams);
      if (/spdy/i.test(String(req.headers.upgrade))) throw badRequest('SPDY is not supported by ordinal local: exec and attach need WebSocket (kubectl 1.30 or later, without KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)');
      const protocol = chooseProtocol(req);
      if (!protocol) throw badRequest(`unable to upgrade: none of the offered subprotocols is supported; use one of: ${PROTOCOLS.join(', ')}`);
      const q = url.searchParams;
      const streams: Streams = { stdin: flag(q, 'stdin'), stdout: flag(q, 'stdout'), stderr: flag(q, 'stderr'), tty: flag(q, 'tty') };
      const uid = pod.metadata.uid ?? '';
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (target.subresource === 'attach') return runAttach(ctx.pods.backend, ws, protocol, streams, uid, container);
        void runExec(ctx.pods.backend, ws, protocol, streams, uid, container, q.getAll('command'));
      });
    } catch (err) {
      const e = asApiError(err);
      if (e.code >= 500) ctx.log.error({ err, url: req.url }, 'upgrade failed');
      reject(socket, e);
    }
  };
  return { onUpgrade, close };
}
