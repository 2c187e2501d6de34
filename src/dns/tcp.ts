/**
 * @module The TCP listener (RFC 1035 §4.2.2, RFC 7766): 2-byte length framing, partial
 * frames across chunks, pipelined queries answered with one write per `data` event,
 * an idle timeout and a connection limit; zone transfers streamed message by message.
 */
import net from 'node:net';
import type { Logger } from '../log.ts';
import type { Handler } from './handler.ts';
import type { XfrMessage } from './xfr.ts';

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
  /** Every reply, length-prefixed, in one buffer (the arena's: write it, then `settle`); null for none. */
  out: Buffer | null;
  rest: Buffer;
  /** A zone transfer met on the way: draining stopped after its frame; stream it, then go on. */
  transfer?: Iterator<XfrMessage>;
}

/** Bytes an arena starts with, and the most it keeps between writes. */
const ARENA_START = 16 * 1024;
const ARENA_KEEP = 1024 * 1024;

/**
 * The output of one read's worth of pipelined queries: each reply copied once, behind its
 * length, into one buffer that goes out in one write. Building a buffer per reply and then
 * concatenating them cost two copies and an allocation per query: with 100-peer SRV answers
 * (7.8 KB each, outside Node's buffer pool) the garbage collector took 17% of the thread and
 * a TCP query 11 µs of CPU instead of 5 (bench/dns/tcp-cluster.ts). One arena serves every
 * connection of a listener: all of a read is answered in one turn. Its buffer is reused while
 * each write reaches the kernel at once; a write left queued keeps it, and the arena moves on.
 */
export class ReplyArena {
  #buf = Buffer.allocUnsafeSlow(ARENA_START);
  #len = 0;

  add(reply: Buffer): void {
    const end = this.#len + 2 + reply.length;
    if (end > this.#buf.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(end, this.#buf.length * 2));
      this.#buf.copy(next, 0, 0, this.#len);
      this.#buf = next;
    }
    this.#buf.writeUInt16BE(reply.length, this.#len);
    reply.copy(this.#buf, this.#len + 2);
    this.#len = end;
  }

  /** The bytes added since the last take (a view of the arena's buffer), or null. */
  take(): Buffer | null {
    if (this.#len === 0) return null;
    const out = this.#buf.subarray(0, this.#len);
    this.#len = 0;
    return out;
  }

  /** After writing what `take` gave: `flushed` is whether the socket holds none of it any more. */
  settle(flushed: boolean): void {
    if (!flushed || this.#buf.length > ARENA_KEEP) this.#buf = Buffer.allocUnsafeSlow(ARENA_START);
  }
}

/** Split complete frames off `buf` and answer them into `arena`; returns the output and the leftover bytes. */
export function drainFrames(buf: Buffer, handler: Handler, arena: ReplyArena, peer = ''): Drained {
  let off = 0;
  while (buf.length - off >= 2) {
    const len = buf.readUInt16BE(off);
    if (buf.length - off - 2 < len) break;
    const frame = buf.subarray(off + 2, off + 2 + len);
    off += 2 + len;
    const transfer = handler.transfer(frame, peer);
    if (transfer) return { out: arena.take(), rest: buf.subarray(off), transfer };
    // A cache hit is the cache's own buffer, valid until the next call: copied at once.
    const reply = handler.lease(frame, peer, true);
    if (reply) arena.add(reply);
  }
  return { out: arena.take(), rest: off === 0 ? buf : buf.subarray(off) };
}

/**
 * Bytes of transfer messages written per round, across every transfer: four 16-KiB messages,
 * a small fraction of a millisecond now that their records are encoded once per snapshot.
 */
export const ROUND_BYTES = 64 * 1024;
/**
 * Share of wall-clock time that transfer rounds may take. The rest is left to everything else,
 * UDP queries first: a process that never sleeps is, to the OS scheduler, a CPU hog that waits
 * its turn behind every other runnable thread, so a query arriving then waits a time slice (ms)
 * however short the rounds are. Half a core still writes 200 MB/s or more of transfers.
 */
export const TRANSFER_SHARE = 0.5;
/** Round time (ms) that may be spent at once after an idle stretch, before the share applies. */
const BURST_MS = 5;

interface Transfer {
  readonly socket: net.Socket;
  readonly it: Iterator<XfrMessage>;
  /** Waiting for 'drain' (the socket holds a full high-water mark of unsent bytes). */
  waiting: boolean;
  finished: boolean;
  readonly onDrain: () => void;
  readonly onClose: () => void;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Transfer messages across every connection are written in rounds, at most one round per
 * event-loop iteration, so between two rounds the loop always polls for I/O and UDP queries are
 * answered. A round visits the ready transfers in turn, one message each, until ROUND_BYTES are
 * written. A transfer whose write() returns false sits out until its socket's 'drain' (a client
 * that stops reading never drains: the idle timeout closes its socket, which ends the transfer
 * and releases its snapshot). Rounds follow each other at once (setImmediate) while they have
 * taken less than `share` of the time, else after a pause (setTimeout) during which the process
 * waits for I/O. A setImmediate per stream would not do: 50 streams would each write in the same
 * check phase, holding the loop for 50 messages.
 */
export class TransferRounds {
  readonly #ready: Transfer[] = [];
  readonly #budget: number;
  readonly #share: number;
  #scheduled = false;
  /** Round time (ms) that may still be spent now: grows by `share` per ms of wall time, up to BURST_MS. */
  #credit = BURST_MS;
  #at = performance.now();

  constructor(budget = ROUND_BYTES, share = TRANSFER_SHARE) {
    this.#budget = budget;
    this.#share = Math.min(1, Math.max(0.05, share));
  }

  /** Stream `it` to `socket`; resolves when it has ended or the socket closed, rejects if it throws. */
  run(socket: net.Socket, it: Iterator<XfrMessage>): Promise<void> {
    return new Promise((resolve, reject) => {
      const t: Transfer = {
        socket, it, waiting: false, finished: false, resolve, reject,
        onDrain: () => {
          if (!t.waiting) return;
          t.waiting = false;
          this.#enqueue(t);
        },
        onClose: () => this.#finish(t),
      };
      socket.on('drain', t.onDrain);
      socket.on('close', t.onClose);
      this.#enqueue(t);
    });
  }

  #enqueue(t: Transfer): void {
    this.#ready.push(t);
    this.#schedule();
  }

  #refill(now: number): void {
    this.#credit = Math.min(BURST_MS, this.#credit + (now - this.#at) * this.#share);
    this.#at = now;
  }

  /** The next round: at the next loop iteration while there is credit, else once it has grown back. */
  #schedule(): void {
    if (this.#scheduled || this.#ready.length === 0) return;
    this.#scheduled = true;
    this.#refill(performance.now());
    if (this.#credit > 0) setImmediate(this.#round);
    else setTimeout(this.#round, Math.ceil(-this.#credit / this.#share));
  }

  readonly #round = (): void => {
    this.#scheduled = false;
    const t0 = performance.now();
    this.#refill(t0);
    let bytes = 0;
    // Each transfer at most once per round, even if its socket took everything at once.
    for (let visits = this.#ready.length; visits > 0 && bytes < this.#budget; visits--) {
      bytes += this.#step(this.#ready.shift()!);
    }
    // A round stretched by the OS (the process descheduled) costs at most one burst of pause.
    this.#credit = Math.max(-BURST_MS, this.#credit - (performance.now() - t0));
    this.#schedule();
  };

  /** Write the transfer's next message; returns its size on the wire. */
  #step(t: Transfer): number {
    if (t.finished) return 0;
    if (t.socket.destroyed) { this.#finish(t); return 0; }
    let r: IteratorResult<XfrMessage>;
    try {
      r = t.it.next();
    } catch (err) {
      this.#finish(t, err);
      return 0;
    }
    if (r.done) { this.#finish(t); return 0; }
    let len = 0;
    for (const part of r.value) len += part.length;
    const prefix = Buffer.allocUnsafe(2);
    prefix.writeUInt16BE(len, 0);
    // Corked, the parts leave in one writev: the shared records are never copied per transfer.
    t.socket.cork();
    let ok = t.socket.write(prefix);
    for (const part of r.value) ok = t.socket.write(part);
    t.socket.uncork();
    if (ok) this.#ready.push(t);
    else t.waiting = true;
    return 2 + len;
  }

  #finish(t: Transfer, err?: unknown): void {
    if (t.finished) return;
    t.finished = true;
    t.socket.off('drain', t.onDrain);
    t.socket.off('close', t.onClose);
    if (err === undefined) {
      t.it.return?.();
      t.resolve();
    } else {
      t.reject(err);
    }
  }
}

function serveConnection(socket: net.Socket, handler: Handler, log: Logger, idleMs: number, rounds: TransferRounds, arena: ReplyArena): void {
  let pending: Buffer = Buffer.alloc(0);
  let busy = false;
  const peer = socket.remoteAddress ?? '';
  if (idleMs > 0) socket.setTimeout(idleMs, () => socket.destroy());
  socket.setNoDelay(true);
  const pump = (): void => {
    const { out, rest, transfer } = drainFrames(pending, handler, arena, peer);
    // Copy the leftover so a small partial frame does not pin a large chunk.
    pending = rest.length ? Buffer.from(rest) : Buffer.alloc(0);
    if (out !== null) {
      const room = socket.write(out);
      arena.settle(socket.writableLength === 0);
      // Backpressure: a client that pipelines without reading stops being read until it drains.
      if (!room) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    }
    if (!transfer) return;
    // Later queries wait for the transfer (they stay in `pending`; reading pauses meanwhile).
    busy = true;
    socket.pause();
    rounds.run(socket, transfer).then(() => {
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
  const rounds = new TransferRounds();
  const arena = new ReplyArena();
  const server = net.createServer((socket) => {
    if (conns.size >= opts.maxConnections) {
      // Over the limit: refuse by closing at once rather than letting clients queue (RFC 7766 §6.2.2).
      socket.destroy();
      return;
    }
    conns.add(socket);
    socket.on('close', () => conns.delete(socket));
    serveConnection(socket, handler, log, opts.idleTimeoutMs, rounds, arena);
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
