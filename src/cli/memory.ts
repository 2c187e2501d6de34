/**
 * @module `--memory-reduce-interval` of `ordinal local`: give the pages V8 no longer uses back to
 * the system. After a regular full collection V8 keeps the freed pages of its heap in a pool,
 * still resident, for the next growth; only a memory-reducing collection releases them, and V8
 * starts those itself only when the process goes quiet. The embedded API server never does under
 * load, so its RSS became the highest the heap had ever been, and rose step by step with each new
 * peak (the soak's RSS slope, issue #14). A 100-MB live heap measured here: RSS 477 MB after a
 * regular collection, 159 MB after a memory-reducing one.
 *
 * So every interval, if RSS has grown since the last reduction, this runs one. It stops this
 * thread for a full compacting collection (0.1-0.3 s with ~100 MB live); the DNS threads have
 * heaps of their own and keep answering.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '../log.ts';

/** Growth (bytes) since the last reduction below which the next one is skipped: a quiet process pays nothing. */
const MIN_GROWTH = 4 * 1024 * 1024;

type Gc = (opts: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/** V8's gc(), reached without exposing it on the global object (--expose-gc takes effect for new contexts). */
function gcFunction(): Gc {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Gc;
}

export interface MemoryReducer { stop(): void; reductions(): number }

/** Reduce every `intervalMs` while RSS grows; 0 does nothing. */
export function startMemoryReducer(intervalMs: number, log: Logger): MemoryReducer {
  if (intervalMs <= 0) return { stop: () => undefined, reductions: () => 0 };
  const gc = gcFunction();
  let after = process.memoryUsage.rss();
  let count = 0;
  const timer = setInterval(() => {
    const before = process.memoryUsage.rss();
    if (before - after < MIN_GROWTH) return;
    const t0 = performance.now();
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    after = process.memoryUsage.rss();
    count++;
    log.debug({ rssBeforeMB: Math.round(before / 1048576), rssAfterMB: Math.round(after / 1048576), ms: Math.round(performance.now() - t0) }, 'heap pages given back');
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), reductions: () => count };
}
