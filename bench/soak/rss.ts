/**
 * @module Each process's RSS per minute and its slope after warm-up, from samples taken every
 * second.
 *
 * Why every second: `ordinal local` gives its free heap pages back once a minute
 * (`--memory-reduce-interval`), so its RSS is a sawtooth about 20 MB deep, with the collections'
 * own jitter on top (6-7 MB between one sample and the next, 3 s apart). A 10-s sampler takes six
 * points a minute of that, and which six is chance. Taking every third of the 3-s samples of four
 * hour-long runs (points about 9.3 s apart), the three ways of doing it gave slopes up to
 * 0.6 MB / 10 min apart for the same process (seed 46: 0.91, 0.97 and 1.33), against a bound of 1
 * (issue #14). Sixty points a minute leave less of the slope to chance; per minute, the report
 * shows their mean rather than one of them.
 */
import { slope } from './hist.ts';

export interface RssSample { t: number; proc: string; rssMB: number; fds: number; gen: number }

/** How often the soak samples each process's RSS and descriptors. */
export const RSS_SAMPLE_MS = 1_000;
/** A slope over less than this, extrapolated to 10 minutes, says more about V8's heap sizing than about leaks. */
export const MIN_SLOPE_SPAN_MS = 3 * 60_000;

/**
 * `proc`'s mean RSS over [from, to] and its descriptors at the last sample in it; with no sample
 * in it (the process was down), the last sample before `to`.
 */
export function minuteRss(samples: readonly RssSample[], proc: string, from: number, to: number): { rssMB: number; fds: number } | undefined {
  let sum = 0;
  let n = 0;
  let last: RssSample | undefined;
  for (const x of samples) {
    if (x.proc !== proc || x.t > to) continue;
    if (last === undefined || x.t >= last.t) last = x;
    if (x.t >= from) { sum += x.rssMB; n++; }
  }
  if (last === undefined) return undefined;
  return { rssMB: n > 0 ? sum / n : last.rssMB, fds: last.fds };
}

export type SlopeResult =
  | { judged: false; spanMs: number }
  | { judged: true; perTenMinutes: number; spanMs: number; samples: number; first: RssSample; last: RssSample };

/**
 * The least-squares slope of `proc`'s RSS, in MB per 10 minutes, over its longest life without
 * a restart, from `warmMs` after that life began (a restarted process warms up again; the first
 * life begins at the run's start, t = 0).
 */
export function rssSlope(samples: readonly RssSample[], proc: string, warmMs: number): SlopeResult {
  const born = new Map<number, number>();
  const byGen = new Map<number, RssSample[]>();
  for (const x of samples) {
    if (x.proc !== proc) continue;
    if (!born.has(x.gen)) born.set(x.gen, x.gen === 0 ? 0 : x.t);
    if (x.t < born.get(x.gen)! + warmMs) continue;
    const seg = byGen.get(x.gen);
    if (seg) seg.push(x);
    else byGen.set(x.gen, [x]);
  }
  const span = (s: readonly RssSample[]): number => (s.length ? s[s.length - 1]!.t - s[0]!.t : 0);
  const seg = [...byGen.values()].sort((a, b) => span(b) - span(a))[0] ?? [];
  const spanMs = span(seg);
  if (seg.length < 2 || spanMs < MIN_SLOPE_SPAN_MS) return { judged: false, spanMs };
  const perTenMinutes = slope(seg.map((x) => x.t / 600_000), seg.map((x) => x.rssMB));
  return { judged: true, perTenMinutes, spanMs, samples: seg.length, first: seg[0]!, last: seg[seg.length - 1]! };
}
