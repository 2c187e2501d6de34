/**
 * @module `pods/portforward`: the SPDY/3.1 server side of kubectl's port-forward, as the kubelet
 * runs it (kubelet/pkg/cri/streaming/portforward/httpstream.go). Per forwarded connection the
 * client opens two streams with the same `port` and `requestid` headers, `streamtype: error`
 * and `streamtype: data`; once both are there, the pod port is dialled and bytes copied both
 * ways on the data stream. A dial failure goes as text on the error stream, then both end.
 * The transport (a WebSocket tunnel or an upgraded socket) is abstract: bytes in, bytes out.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  dataFrame, FLAG_FIN, FrameDecoder, GOAWAY, goAwayFrame, HeaderCompressor, HeaderDecompressor, PING, pingFrame,
  RST_CANCEL, RST_INVALID_STREAM, RST_PROTOCOL_ERROR, RST_STREAM, rstStreamFrame, streamIdOf, SYN_STREAM, synReplyFrame, type Frame, type Headers,
} from './spdy-frame.ts';

/** kubelet's default stream creation timeout: both streams of a pair must arrive within it. */
export const PAIR_TIMEOUT_MS = 30_000;

export interface Transport {
  /** False when the transport is buffering: the sender should wait for `drained`. */
  write(b: Buffer): boolean;
  /** Call `fn` once what was buffered has gone out. */
  drained(fn: () => void): void;
  /** End the tunnel (the session is over or broken). */
  close(): void;
}

export interface ForwardTarget {
  podName: string;
  uid: string;
  ip: string;
  dial(ip: string, port: number): Promise<Socket>;
}

interface Pair {
  requestId: string;
  error?: number;
  data?: number;
  port?: string;
  timer: NodeJS.Timeout;
  socket?: Socket;
  /** What the client sent on the data stream before the dial completed. */
  early: Buffer[];
  earlyFin: boolean;
  done: boolean;
}

export interface PortForwardSession {
  /** Bytes from the client. */
  receive(chunk: Buffer): void;
  /** The transport went away: drop every connection. */
  closed(): void;
}

const header = (h: Headers, k: string): string | undefined => h[k]?.[0];

/** What the kubelet checks before it dials (portforward.go/httpstream.go), as its messages read. */
export function parsePort(raw: string | undefined): number | string {
  if (raw === undefined || raw === '') return '"port" header is required';
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) return `unable to parse "${raw}" as a port: strconv.ParseUint: parsing "${raw}": invalid syntax`;
  const n = Number(raw);
  if (n === 0) return `port "${raw}" must be > 0`;
  return n;
}

export function portForwardSession(t: Transport, target: ForwardTarget, log: Logger, pairTimeoutMs = PAIR_TIMEOUT_MS): PortForwardSession {
  const decoder = new FrameDecoder();
  const compressor = new HeaderCompressor();
  const decompressor = new HeaderDecompressor();
  const pairs = new Map<string, Pair>();
  const streams = new Map<number, Pair>();
  let lastStream = 0;
  let ended = false;
  let queue: Promise<void> = Promise.resolve();

  const send = (b: Buffer): boolean => (ended ? true : t.write(b));
  const end = (why: string, goAwayStatus?: number): void => {
    if (ended) return;
    if (goAwayStatus !== undefined) send(goAwayFrame(lastStream, goAwayStatus));
    ended = true;
    log.debug({ why, pod: target.podName }, 'port-forward session ends');
    for (const p of pairs.values()) finish(p, 'rst');
    decompressor.close();
    t.close();
  };

  /** End a pair: FIN both streams (the client reads the error stream to EOF) or RST them. */
  function finish(p: Pair, how: 'fin' | 'rst' | 'drop'): void {
    if (p.done) return;
    p.done = true;
    clearTimeout(p.timer);
    p.socket?.destroy();
    pairs.delete(p.requestId);
    for (const id of [p.data, p.error]) {
      if (id === undefined) continue;
      streams.delete(id);
      // Never answer a RST_STREAM with one (§2.4.2): 'drop' forgets the streams silently.
      if (how === 'fin') send(dataFrame(id, Buffer.alloc(0), true));
      else if (how === 'rst') send(rstStreamFrame(id, RST_CANCEL));
    }
  }

  function fail(p: Pair, message: string): void {
    if (p.error !== undefined && !p.done) send(dataFrame(p.error, Buffer.from(message)));
    finish(p, 'fin');
  }

  async function forward(p: Pair): Promise<void> {
    const port = parsePort(p.port);
    if (typeof port === 'string') return fail(p, port);
    let sock: Socket;
    try {
      sock = await target.dial(target.ip, port);
    } catch (err) {
      return fail(p, `error forwarding port ${port} to pod ${target.podName}, uid ${target.uid}: ${(err as Error).message}`);
    }
    if (p.done) return void sock.destroy();
    p.socket = sock;
    const data = p.data!;
    for (const b of p.early) sock.write(b);
    if (p.earlyFin) sock.end();
    p.early = [];
    sock.on('data', (c: Buffer) => {
      // Backpressure from the client's side: stop reading the pod until the tunnel drains.
      if (!send(dataFrame(data, c))) {
        sock.pause();
        t.drained(() => sock.resume());
      }
    });
    sock.on('end', () => finish(p, 'fin'));
    sock.on('close', () => finish(p, 'fin')); // a pod socket destroyed without an orderly end
    sock.on('error', (err) => fail(p, `error forwarding port ${port} to pod ${target.podName}, uid ${target.uid}: ${err.message}`));
  }

  function synStream(id: number, h: Headers): void {
    lastStream = Math.max(lastStream, id);
    send(synReplyFrame(id, compressor.compress({})));
    const type = header(h, 'streamtype');
    const requestId = header(h, 'requestid') ?? '';
    if (type !== 'error' && type !== 'data') {
      log.warn({ id, type }, 'port-forward: invalid stream type');
      return void send(rstStreamFrame(id, RST_PROTOCOL_ERROR));
    }
    let p = pairs.get(requestId);
    if (!p) {
      const fresh: Pair = { requestId, done: false, early: [], earlyFin: false, timer: setTimeout(() => fail(fresh, 'timed out waiting for streams'), pairTimeoutMs) };
      p = fresh;
      pairs.set(requestId, p);
    }
    if (p[type] !== undefined) return void send(rstStreamFrame(id, RST_PROTOCOL_ERROR));
    p[type] = id;
    streams.set(id, p);
    if (type === 'data') p.port = header(h, 'port');
    if (p.error !== undefined && p.data !== undefined) {
      clearTimeout(p.timer);
      void forward(p);
    }
  }

  function onData(f: Extract<Frame, { kind: 'data' }>): void {
    const p = streams.get(f.streamId);
    if (!p) {
      if (f.data.length || !(f.flags & FLAG_FIN)) send(rstStreamFrame(f.streamId, RST_INVALID_STREAM));
      return;
    }
    if (f.streamId !== p.data) return; // the client's error stream only ever carries its FIN
    const fin = (f.flags & FLAG_FIN) !== 0;
    if (!p.socket) {
      // Still dialling: keep it for the socket (kubectl writes as soon as it has the streams).
      if (f.data.length) p.early.push(f.data);
      p.earlyFin ||= fin;
      return;
    }
    if (f.data.length) p.socket.write(f.data);
    if (fin) p.socket.end();
  }

  async function onFrame(f: Frame): Promise<void> {
    if (f.kind === 'data') return onData(f);
    switch (f.type) {
      case SYN_STREAM: {
        // The header block follows stream id, associated id and priority/slot (10 bytes).
        const h = await decompressor.decompress(f.payload.subarray(10));
        return synStream(streamIdOf(f.payload), h);
      }
      case RST_STREAM: {
        const p = streams.get(streamIdOf(f.payload));
        if (p) finish(p, 'drop');
        return;
      }
      case PING:
        return void send(pingFrame(f.payload.readUInt32BE(0)));
      case GOAWAY:
        return end('client sent GOAWAY');
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS: spdystream enforces no flow control, nothing to do.
        return;
    }
  }

  return {
    receive(chunk) {
      if (ended) return;
      let frames: Frame[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        return end((err as Error).message, RST_PROTOCOL_ERROR);
      }
      for (const f of frames) {
        queue = queue.then(() => (ended ? undefined : onFrame(f))).catch((err: Error) => end(`bad frame: ${err.message}`, RST_PROTOCOL_ERROR));
      }
    },
    closed: () => end('transport closed'),
  };
}
