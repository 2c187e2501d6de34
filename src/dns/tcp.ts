/**
 * @module The TCP listener (RFC 1035 §4.2.2, RFC 7766): 2-byte length framing, partial
 * frames across chunks, pipelined queries answered with one write per `data` event,
 * an idle timeout and a connection limit; zone transfers streamed message by message.
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

export interface Drained {
  replies: Buffer[];
  rest: Buffer;
  /** A zone transfer met on the way: draining stopped after its frame; stream it, then go on. */
  transfer?: Iterator<Buffer>;
}

/** Split complete frames off `buf`; returns the replies (length-prefixed) and the leftover bytes. */
export function drainFrames(buf: Buffer, handler: Handler, peer = ''): Drained {
  const replies: Buffer[] = [];
  let off = 0;
  while (buf.length - off >= 2) {
    const len = buf.readUInt16BE(off);
    if (buf.length - off - 2 < len) break;
    const frame = buf.subarray(off + 2, off + 2 + len);
    off += 2 + len;
    const transfer = handler.transfer(frame, peer);
    if (transfer) return { replies, rest: buf.subarray(off), transfer };
    const reply = handler(frame, true, peer);
    if (!reply) continue;
    const prefix = Buffer.allocUnsafe(2);
    prefix.writeUInt16BE(reply.length, 0);
    replies.push(prefix, reply);
  }
  return { replies, rest: off === 0 ? buf : buf.subarray(off) };
}

function frame2(msg: Buffer): Buffer {
  const prefix = Buffer.allocUnsafe(2);
  prefix.writeUInt16BE(msg.length, 0);
  return Buffer.concat([prefix, msg]);
}

/** Resolves once the socket can take more, or is gone. */
function writable(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}

/**
 * Transfer messages take turns across every connection: one message per event-loop iteration,
 * so between two messages the loop always polls for I/O and UDP queries are answered. (A
 * setImmediate per stream is not enough: 50 streams would each encode a message in the same
 * check phase, holding the loop for 50 messages.)
 */
export class Turns {
  readonly #waiting: Array<() => void> = [];
  #scheduled = false;

  /** Resolves when it is this caller's turn to encode and write one message. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#scheduled || this.#waiting.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#waiting.shift()?.();
      this.#kick();
    });
  }
}

/**
 * Write a transfer's messages one at a time, one per turn, waiting for 'drain' when the client
 * reads slowly. A client that stops reading stalls the writes until the idle timeout destroys
 * the socket; the iterator is then closed, which releases its snapshot.
 */
async function stream(socket: net.Socket, it: Iterator<Buffer>, turns: Turns): Promise<void> {
  try {
    for (;;) {
      await turns.next();
      if (socket.destroyed) return;
      const r = it.next();
      if (r.done) return;
      if (!socket.write(frame2(r.value))) await writable(socket);
    }
  } finally {
    it.return?.();
  }
}

function serveConnection(socket: net.Socket, handler: Handler, log: Logger, idleMs: number, turns: Turns): void {
  let pending: Buffer = Buffer.alloc(0);
  let busy = false;
  const peer = socket.remoteAddress ?? '';
  if (idleMs > 0) socket.setTimeout(idleMs, () => socket.destroy());
  socket.setNoDelay(true);
  const pump = (): void => {
    const { replies, rest, transfer } = drainFrames(pending, handler, peer);
    // Copy the leftover so a small partial frame does not pin a large chunk.
    pending = rest.length ? Buffer.from(rest) : Buffer.alloc(0);
    // Backpressure: a client that pipelines without reading stops being read until it drains.
    if (replies.length && !socket.write(Buffer.concat(replies))) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
    if (!transfer) return;
    // Later queries wait for the transfer (they stay in `pending`; reading pauses meanwhile).
    busy = true;
    socket.pause();
    stream(socket, transfer, turns).then(() => {
      busy = false;
      if (socket.destroyed) return;
      socket.resume();
      safePump();
    }, (err: unknown) => {
      log.error({ err }, 'zone transfer failed');
      socket.destroy();
    });
  };
  const safePump = (): void => {
    try {
      pump();
    } catch (err) {
      log.error({ err }, 'tcp handler threw');
      socket.destroy();
    }
  };
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    if (!busy) safePump();
  });
  socket.on('error', (err) => log.debug({ err }, 'tcp connection error'));
}

export function listenTcp(host: string, port: number, handler: Handler, log: Logger, opts: TcpOptions): Promise<TcpListener> {
  const conns = new Set<net.Socket>();
  const turns = new Turns();
  const server = net.createServer((socket) => {
    if (conns.size >= opts.maxConnections) {
      // Over the limit: refuse by closing at once rather than letting clients queue (RFC 7766 §6.2.2).
      socket.destroy();
      return;
    }
    conns.add(socket);
    socket.on('close', () => conns.delete(socket));
    serveConnection(socket, handler, log, opts.idleTimeoutMs, turns);
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
