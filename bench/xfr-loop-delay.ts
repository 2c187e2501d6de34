/**
 * Preload for profiling `ordinal serve` in bench/xfr.ts (`XFR_SERVER_NODE_ARGS="--import
 * ./bench/xfr-loop-delay.ts"`): every LOOP_DELAY_MS (default 5000) it writes one JSON line to
 * stderr with the event-loop delay histogram (perf_hooks.monitorEventLoopDelay, 1 ms resolution),
 * the garbage-collection pauses of the interval (count, total and longest, by kind) and the
 * process's CPU time, then resets them. With LOOP_CALLBACKS=1 it also times every callback the
 * loop runs (async_hooks before/after) in this thread's CPU time, not wall time, so the longest
 * pieces of work that hold the loop are seen apart from time the OS gave to other processes.
 * Measurement only; nothing here changes what the server does.
 */
import { createHook } from 'node:async_hooks';
import { PerformanceObserver, constants, createHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

const every = Number(process.env.LOOP_DELAY_MS ?? 5000);
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
let gc: Record<string, { n: number; ms: number; max: number }> = {};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = KINDS[((e as { detail?: { kind?: number } }).detail?.kind) ?? 0] ?? 'other';
    const g = (gc[kind] ??= { n: 0, ms: 0, max: 0 });
    g.n++;
    g.ms += e.duration;
    g.max = Math.max(g.max, e.duration);
  }
}).observe({ entryTypes: ['gc'] });

/** CPU microseconds of each outermost callback. */
const callbacks = createHistogram();
if (process.env.LOOP_CALLBACKS === '1') {
  let depth = 0;
  let start = process.threadCpuUsage();
  createHook({
    before() {
      if (depth++ === 0) start = process.threadCpuUsage();
    },
    after() {
      if (--depth !== 0) return;
      const d = process.threadCpuUsage(start);
      callbacks.record(Math.max(1, d.user + d.system));
    },
  }).enable();
}

const ms = (ns: number): number => Number((ns / 1e6).toFixed(2));
const us = (n: number): number => Number((n / 1000).toFixed(2));
let cpu = process.cpuUsage();
let at = performance.now();
setInterval(() => {
  const round = Object.fromEntries(Object.entries(gc).map(([k, v]) => [k, { n: v.n, ms: Number(v.ms.toFixed(1)), max: Number(v.max.toFixed(2)) }]));
  const c = process.cpuUsage(cpu);
  const now = performance.now();
  process.stderr.write(`${JSON.stringify({
    loopDelay: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), p999: ms(loop.percentile(99.9)), max: ms(loop.max), samples: loop.count },
    gc: round,
    cpuShare: Number(((c.user + c.system) / 1000 / (now - at)).toFixed(2)),
    rssMB: Math.round(process.memoryUsage.rss() / 1e6),
    ...(callbacks.count > 0 ? { callbackCpuMs: { n: callbacks.count, p99: us(callbacks.percentile(99)), p999: us(callbacks.percentile(99.9)), max: us(callbacks.max), over1ms: countOver(1000), over5ms: countOver(5000) } } : {}),
  })}\n`);
  loop.reset();
  callbacks.reset();
  gc = {};
  cpu = process.cpuUsage();
  at = now;
}, every).unref();

/** Callbacks that took more than `limit` µs of CPU, from the histogram's percentiles. */
function countOver(limit: number): number {
  let over = 0;
  for (const [pct, value] of callbacks.percentiles) if (value > limit) { over = Math.round(callbacks.count * (1 - pct / 100)); break; }
  return over;
}
