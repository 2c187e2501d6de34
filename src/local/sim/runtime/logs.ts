/**
 * @module A container's log, as the kubelet keeps it (CRI logging format, one entry per line
 * with its time and stream), bounded like `containerLogMaxSize` (10 MiB by default: the oldest
 * lines go first). Readers take a snapshot filtered by the pods/log options; followers get every
 * new line until the container ends.
 */

export type LogStream = 'stdout' | 'stderr';

export interface LogEntry {
  /** Epoch ms of the write. */
  readonly time: number;
  readonly stream: LogStream;
  /** One line including its newline, or a trailing fragment without one. */
  readonly data: Buffer;
}

export interface LogQuery {
  /** Only the last N lines (pods/log tailLines). */
  tailLines?: number;
  /** Only lines written at or after this epoch ms (sinceSeconds / sinceTime). */
  sinceMs?: number;
  /** Prefix each line with its RFC 3339 time with nanoseconds, as `kubectl logs --timestamps`. */
  timestamps?: boolean;
}

type Follower = (e: LogEntry | undefined) => void;

export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;

/** RFC 3339 with nine fractional digits, the format of CRI log timestamps. */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-02T03:04:05.678Z
  return `${iso.slice(0, 23)}000000Z`;
}

/** Split a write into line entries; a trailing fragment without newline is an entry too. */
export function splitLines(chunk: Buffer, time: number, stream: LogStream): LogEntry[] {
  const out: LogEntry[] = [];
  let start = 0;
  for (;;) {
    const nl = chunk.indexOf(0x0a, start);
    if (nl < 0) break;
    out.push({ time, stream, data: chunk.subarray(start, nl + 1) });
    start = nl + 1;
  }
  if (start < chunk.length) out.push({ time, stream, data: chunk.subarray(start) });
  return out;
}

/** The entries a query selects, oldest first. Pure. */
export function selectEntries(entries: readonly LogEntry[], q: LogQuery): LogEntry[] {
  let sel = q.sinceMs === undefined ? [...entries] : entries.filter((e) => e.time >= q.sinceMs!);
  if (q.tailLines !== undefined) sel = q.tailLines === 0 ? [] : sel.slice(-q.tailLines);
  return sel;
}

export function formatEntry(e: LogEntry, timestamps: boolean | undefined): Buffer {
  return timestamps ? Buffer.concat([Buffer.from(`${rfc3339Nano(e.time)} `), e.data]) : e.data;
}

export class LogBuffer {
  private entries: LogEntry[] = [];
  private bytes = 0;
  private readonly followers = new Set<Follower>();
  private ended = false;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(maxBytes = DEFAULT_LOG_MAX_BYTES, now: () => number = Date.now) {
    this.maxBytes = maxBytes;
    this.now = now;
  }

  write(stream: LogStream, chunk: Buffer | string): void {
    if (this.ended) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    for (const e of splitLines(buf, this.now(), stream)) {
      this.entries.push(e);
      this.bytes += e.data.length;
      for (const f of this.followers) f(e);
    }
    while (this.bytes > this.maxBytes && this.entries.length > 1) this.bytes -= this.entries.shift()!.data.length;
  }

  /** The container stopped: followers see the end; later writes are dropped. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const f of this.followers) f(undefined);
    this.followers.clear();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  read(q: LogQuery): LogEntry[] {
    return selectEntries(this.entries, q);
  }

  /** Call `fn` with each new entry and then `undefined` at the end; returns the unsubscribe. */
  follow(fn: Follower): () => void {
    if (this.ended) {
      fn(undefined);
      return () => undefined;
    }
    this.followers.add(fn);
    return () => this.followers.delete(fn);
  }
}
