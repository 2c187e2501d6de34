/**
 * @module `--memory-reduce-interval` of `ordinal local`: give the pages V8 no longer uses back to
 * the system. After a regular full collection V8 keeps the freed pages of its heap in a pool,
 * still resident, for the next growth; only a memory-reducing collection releases them, and V8
 * starts those itself only when the process goes quiet. The embedded API server never does under
 * load, so its RSS became the highest the heap had ever been, and rose step by step with each new
 * peak (the soak's RSS slope, issue #14). A 100-MB live heap measured here: RSS 477 MB after a
 * regular collection, 159 MB after a memory-reducing one.
 *
 * So every interval this runs one. It stops this thread for a full compacting collection
 * (0.1-0.3 s with ~100 MB live); the DNS threads have heaps of their own and keep answering. It
 * used to run only after RSS had grown 4 MB since the one before, and the soak read that as
 * growth: one early reduction took RSS to a low its per-minute levels did not come back to,
 * later ones ran only at peaks, and a line through the hour climbed from that low to the working
 * size (issue #14: 1.06 MB / 10 min; every interval, -0.35 in the same run). Run every interval,
 * each reduction starts from the same place, and what RSS does from one to the next is what the
 * process keeps.
 *
 * The C heap has the same habit: glibc keeps a freed chunk resident unless it is at the top of
 * the main heap, and every thread frees Buffers, TLS records and compiler zones there. In the
 * hour-long soak `ordinal local`'s thread arenas grew 0.9 MB per 10 minutes, and one
 * malloc_trim(0) gave back 7 MB a minute after the one before (issue #14). So each collection
 * is followed by a trim of the C heap (native/ordinal_udp.c's trimHeap: a few ms on this thread),
 * which also gives back the backing stores the collection freed. Without the addon (or off
 * glibc) that part is skipped; the collection is unchanged.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadUdpAddon } from '../dns/udp-batch.ts';
import type { Logger } from '../log.ts';

type Gc = (opts: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/** V8's gc(), reached without exposing it on the global object (--expose-gc takes effect for new contexts). */
function gcFunction(): Gc {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Gc;
}

export interface MemoryReducer { stop(): void; reductions(): number; trims(): number }

/** glibc's malloc_trim through the addon, or undefined where it cannot run (no addon, not glibc). */
export function cHeapTrimmer(): (() => void) | undefined {
  const load = loadUdpAddon();
  if (!load.ok || typeof load.addon.trimHeap !== 'function' || load.addon.trimHeap() < 0) return undefined;
  const { addon } = load;
  return () => void addon.trimHeap();
}

/** Reduce every `intervalMs`; 0 does nothing. `trim`: {@link cHeapTrimmer} by default, null for none. */
export function startMemoryReducer(intervalMs: number, log: Logger, trim: (() => void) | null | undefined = cHeapTrimmer()): MemoryReducer {
  if (intervalMs <= 0) return { stop: () => undefined, reductions: () => 0, trims: () => 0 };
  const gc = gcFunction();
  let count = 0;
  const timer = setInterval(() => {
    const before = process.memoryUsage.rss();
    const t0 = performance.now();
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    trim?.();
    count++;
    log.debug({ rssBeforeMB: Math.round(before / 1048576), rssAfterMB: Math.round(process.memoryUsage.rss() / 1048576), ms: Math.round(performance.now() - t0) }, 'heap pages given back');
  }, intervalMs);
  timer.unref();
  // One trim follows each reduction, so the trims are the reductions where there is a trimmer.
  return { stop: () => clearInterval(timer), reductions: () => count, trims: () => (trim ? count : 0) };
}
