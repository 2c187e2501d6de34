/**
 * @module A keyed, deduplicating, rate-limited work queue (client-go `workqueue` semantics).
 *
 * - A key waits in the queue at most once however often it is added (dedup).
 * - A key is never processed by two workers at once; an `add` while it is processing marks it
 *   dirty and it runs exactly once more afterwards (level-triggered: the worker re-reads state).
 * - A worker that throws gets the key re-added after max(per-key exponential backoff
 *   (5 ms → maxDelayMs), overall token bucket); success calls `forget` (resets the backoff).
 *   A `TerminalError` is logged and not retried.
 * - This is the one place that decides retries (CONTRIBUTING "Habits").
 *
 * Usage:
 *   const q = createWorkQueue({ log, name: 'statefulset' });
 *   informer.on('update', (o) => q.add(objectKey(o)));
 *   q.start(async (key) => sync(key), 2); ... await q.shutdown();
 */
import type { Logger } from '../log.ts';
import { itemBackoff, reserve, type Bucket } from './ratelimit.ts';

/** Throw this from a worker for failures that a retry cannot fix (e.g. an invalid spec). */
export class TerminalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TerminalError';
  }
}

export interface WorkQueueOptions {
  log: Logger;
  name: string;
  /** First retry delay of a failing key (client-go: 5 ms). */
  baseDelayMs?: number;
  /** Cap of the per-key backoff. */
  maxDelayMs?: number;
  /** Overall retry rate: tokens per second and bucket size (client-go: 10 qps, burst 100). */
  qps?: number;
  burst?: number;
}

export interface WorkQueueStats {
  depth: number;
  processing: number;
  retries: number;
  failures: number;
  processed: number;
}

export interface WorkQueue {
  add(key: string): void;
  /** Add once `ms` have passed; the earliest pending deadline for a key wins. */
  addAfter(key: string, ms: number): void;
  /** Re-add with the rate-limited delay (what a failed worker gets). */
  addRateLimited(key: string): void;
  /** Reset the failure count (backoff) of `key`. */
  forget(key: string): void;
  numRequeues(key: string): number;
  start(worker: (key: string) => Promise<void>, concurrency?: number): void;
  /** Stop accepting keys, cancel delayed adds, wait for in-flight workers. */
  shutdown(): Promise<void>;
  stats(): WorkQueueStats;
}

export function createWorkQueue(opts: WorkQueueOptions): WorkQueue {
  const log = opts.log.child({ component: 'workqueue', queue: opts.name });
  const baseMs = opts.baseDelayMs ?? 5;
  const maxMs = opts.maxDelayMs ?? 60_000;
  const qps = opts.qps ?? 10;
  const burst = opts.burst ?? 100;
  let queue: string[] = [];
  let head = 0;
  const dirty = new Set<string>();
  const processing = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  let bucket: Bucket = { tokens: burst, at: Date.now() };
  let waiters: (() => void)[] = [];
  let shuttingDown = false;
  let loops: Promise<void>[] = [];
  const counts = { retries: 0, failures: 0, processed: 0 };

  function push(key: string): void {
    queue.push(key);
    const w = waiters.shift();
    w?.();
  }

  function add(key: string): void {
    if (shuttingDown || dirty.has(key)) return;
    dirty.add(key);
    if (!processing.has(key)) push(key);
  }

  function addAfter(key: string, ms: number): void {
    if (shuttingDown) return;
    if (ms <= 0) return add(key);
    const at = Date.now() + ms;
    const pending = timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      timers.delete(key);
      add(key);
    }, ms);
    timers.set(key, { at, timer });
  }

  function addRateLimited(key: string): void {
    const n = (failures.get(key) ?? 0) + 1;
    failures.set(key, n);
    const r = reserve(bucket, Date.now(), qps, burst);
    bucket = r.bucket;
    counts.retries++;
    addAfter(key, Math.max(itemBackoff(n, baseMs, maxMs), r.delayMs));
  }

  function next(): Promise<string | undefined> {
    if (head < queue.length) {
      const key = queue[head++]!;
      // Compact now and then so the array does not grow without bound.
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      return Promise.resolve(key);
    }
    if (shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => waiters.push(() => resolve(next())));
  }

  async function process(key: string, worker: (key: string) => Promise<void>): Promise<void> {
    dirty.delete(key);
    processing.add(key);
    try {
      await worker(key);
      failures.delete(key);
    } catch (err) {
      counts.failures++;
      if (err instanceof TerminalError) {
        log.error({ err, key }, 'terminal error; not retrying');
        failures.delete(key);
      } else {
        log.warn({ err, key, requeues: failures.get(key) ?? 0 }, 'sync failed; requeueing with backoff');
        addRateLimited(key);
      }
    } finally {
      counts.processed++;
      processing.delete(key);
      if (dirty.has(key) && !shuttingDown) push(key);
    }
  }

  async function loop(worker: (key: string) => Promise<void>): Promise<void> {
    for (;;) {
      const key = await next();
      if (key === undefined) return;
      await process(key, worker);
    }
  }

  return {
    add,
    addAfter,
    addRateLimited,
    forget: (key) => void failures.delete(key),
    numRequeues: (key) => failures.get(key) ?? 0,
    start(worker, concurrency = 1): void {
      for (let i = 0; i < concurrency; i++) loops.push(loop(worker));
    },
    async shutdown(): Promise<void> {
      shuttingDown = true;
      for (const t of timers.values()) clearTimeout(t.timer);
      timers.clear();
      queue = [];
      head = 0;
      const ws = waiters;
      waiters = [];
      for (const w of ws) w();
      await Promise.all(loops);
      loops = [];
    },
    stats: () => ({ depth: queue.length - head, processing: processing.size, ...counts }),
  };
}
