/**
 * @module The upgrade of `pods/portforward`: kube-apiserver's checks (pod, node), the kubelet's
 * (a running pod), then the SPDY/3.1 session over the transport kubectl asked for: WebSocket
 * with the `SPDY/3.1+portforward.k8s.io` tunnel subprotocol (kubectl 1.31+ by default), or a
 * plain `Upgrade: SPDY/3.1` POST with `X-Stream-Protocol-Version: portforward.k8s.io` (its
 * fallback, and `KUBECTL_PORT_FORWARD_WEBSOCKETS=false`).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { checkForwardTarget } from './pod-subresources.ts';
import { portForwardSession, type ForwardTarget } from './port-forward.ts';
import type { ServerContext } from './server.ts';

export const PORT_FORWARD_TUNNEL = 'SPDY/3.1+portforward.k8s.io';
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

/** What the WebSocket may buffer before the pod's socket is paused, and where it resumes. */
const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;

function plain(socket: Duplex, code: number, reason: string, body: string): void {
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

const offered = (v: string | string[] | undefined): string[] => (Array.isArray(v) ? v : [v ?? '']).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);

/** Throws an ApiError for what kube-apiserver refuses before the upgrade; answers the kubelet's refusals itself. */
export function openPortForward(ctx: ServerContext, at: { namespace: string; name: string }, pf: WebSocketServer, raw: Set<Duplex>, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const pod = checkForwardTarget(ctx, at.namespace, at.name);
  const spdy = /^spdy\/3\.1$/i.test(String(req.headers.upgrade ?? ''));
  if (!spdy && !offered(req.headers['sec-websocket-protocol']).includes(PORT_FORWARD_TUNNEL)) {
    return plain(socket, 400, 'Bad Request', 'unable to upgrade: no tunneling spdy protocols provided');
  }
  const status = pod.status as { podIP?: string; phase?: string } | undefined;
  if (!status?.podIP || status.phase !== 'Running') {
    // The kubelet finds no running sandbox for the pod (GetPortForward) and answers 500 in plain text.
    return plain(socket, 500, 'Internal Server Error', `pod not found ("${at.name}_${at.namespace}")`);
  }
  const target: ForwardTarget = { podName: at.name, uid: pod.metadata.uid ?? '', ip: status.podIP, dial: (ip, port) => ctx.pods.backend.dial(ip, port) };
  const log = ctx.log.child({ pod: `${at.namespace}/${at.name}`, subresource: 'portforward' });
  if (spdy) {
    const versions = offered(req.headers['x-stream-protocol-version']);
    if (!versions.includes(PORT_FORWARD_PROTOCOL)) {
      return plain(socket, 403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports [${versions.join(' ')}], server accepts [${PORT_FORWARD_PROTOCOL}]`);
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`);
    raw.add(socket);
    const session = portForwardSession({ write: (b) => socket.write(b), drained: (fn) => socket.once('drain', fn), close: () => socket.end() }, target, log);
    socket.on('data', (c: Buffer) => session.receive(c));
    socket.on('close', () => {
      raw.delete(socket);
      session.closed();
    });
    if (head.length) session.receive(head);
    return;
  }
  delete req.headers['sec-websocket-protocol']; // offered and checked above; echoed by the server's 'headers' hook
  pf.handleUpgrade(req, socket, head, (ws) => {
    let waiting: (() => void)[] = [];
    const write = (b: Buffer): boolean => {
      ws.send(b, () => {
        if (ws.bufferedAmount >= LOW_WATER || !waiting.length) return;
        const run = waiting;
        waiting = [];
        for (const fn of run) fn();
      });
      return ws.bufferedAmount < HIGH_WATER;
    };
    const session = portForwardSession({ write, drained: (fn) => waiting.push(fn), close: () => ws.close(1000) }, target, log);
    // The tunnel is a byte pipe in binary messages; their boundaries mean nothing.
    ws.on('message', (d: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary) return ws.close(1003, 'port-forward tunnel carries binary messages only');
      session.receive(Buffer.isBuffer(d) ? d : Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d));
    });
    ws.on('close', () => session.closed());
    ws.on('error', () => ws.terminate());
  });
}
