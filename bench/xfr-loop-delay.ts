/**
 * Preload for profiling `ordinal serve` in bench/xfr.ts (`XFR_SERVER_NODE_ARGS="--import
 * ./bench/xfr-loop-delay.ts"`): every LOOP_DELAY_MS (default 5000) it writes one JSON line to
 * stderr with the event-loop delay histogram (perf_hooks.monitorEventLoopDelay, 1 ms resolution)
 * and the garbage-collection pauses of the interval (count, total and longest, by kind), then
 * resets both. Measurement only; nothing here changes how the server runs.
 */
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';

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

const ms = (ns: number): number => Number((ns / 1e6).toFixed(2));
setInterval(() => {
  const round = Object.fromEntries(Object.entries(gc).map(([k, v]) => [k, { n: v.n, ms: Number(v.ms.toFixed(1)), max: Number(v.max.toFixed(2)) }]));
  process.stderr.write(`${JSON.stringify({
    loopDelay: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), p999: ms(loop.percentile(99.9)), max: ms(loop.max), samples: loop.count },
    gc: round,
    rssMB: Math.round(process.memoryUsage.rss() / 1e6),
  })}\n`);
  loop.reset();
  gc = {};
}, every).unref();
