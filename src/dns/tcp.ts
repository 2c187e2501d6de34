/**
 * @module The TCP listener (RFC 1035 §4.2.2, RFC 7766): 2-byte length framing, partial
 * frames across chunks, pipelined queries answered with one write per `data` event,
 * an idle timeout and a connection limit.
 */
import net from 'node:net';
import type { Logger } from '../log.ts';
import type { Handler } from './handler.ts';

export interface TcpOptions {
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  readonly reusePort: boolean;
}

export interface TcpListener {
  readonly port: number;
  close(): Promise<void>;
}

/** Split complete frames off `buf`; returns the replies (length-prefixed) and the leftover bytes. */
export function drainFrames(buf: Buffer, handler: Handler): { replies: Buffer[]; rest: Buffer } {
  const replies: Buffer[] = [];
  let off = 0;
  while (buf.length - off >= 2) {
    const len = buf.readUInt16BE(off);
    if (buf.length - off - 2 < len) break;
    const reply = handler(buf.subarray(off + 2, off + 2 + len), true);
    off += 2 + len;
    if (!reply) continue;
    const prefix = Buffer.allocUnsafe(2);
    prefix.writeUInt16BE(reply.length, 0);
    replies.push(prefix, reply);
  }
  return { replies, rest: off === 0 ? buf : buf.subarray(off) };
}

function serveConnection(socket: net.Socket, handler: Handler, log: Logger, idleMs: number): void {
  let pending: Buffer = Buffer.alloc(0);
  if (idleMs > 0) socket.setTimeout(idleMs, () => socket.destroy());
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    try {
      const { replies, rest } = drainFrames(pending.length ? Buffer.concat([pending, chunk]) : chunk, handler);
      // Copy the leftover so a small partial frame does not pin a large chunk.
      pending = rest.length ? Buffer.from(rest) : Buffer.alloc(0);
      // Backpressure: a client that pipelines without reading stops being read until it drains.
      if (replies.length && !socket.write(Buffer.concat(replies))) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    } catch (err) {
      log.error({ err }, 'tcp handler threw');
      socket.destroy();
    }
  });
  socket.on('error', (err) => log.debug({ err }, 'tcp connection error'));
}

export function listenTcp(host: string, port: number, handler: Handler, log: Logger, opts: TcpOptions): Promise<TcpListener> {
  const conns = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    if (conns.size >= opts.maxConnections) {
      // Over the limit: refuse by closing at once rather than letting clients queue (RFC 7766 §6.2.2).
      socket.destroy();
      return;
    }
    conns.add(socket);
    socket.on('close', () => conns.delete(socket));
    serveConnection(socket, handler, log, opts.idleTimeoutMs);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, reusePort: opts.reusePort, exclusive: true }, () => {
      server.off('error', reject);
      server.on('error', (err) => log.warn({ err }, 'tcp server error'));
      const addr = server.address() as net.AddressInfo;
      resolve({
        port: addr.port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          for (const s of conns) s.destroy();
        }),
      });
    });
  });
}
