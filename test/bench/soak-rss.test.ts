// The soak's RSS per minute and slope after warm-up (bench/soak/rss.ts), from per-second samples.
import { describe, expect, it } from 'vitest';
import { statusRssMB } from '../../bench/soak/procs.ts';
import { minuteRss, rssSlope, type RssSample } from '../../bench/soak/rss.ts';

const MIN = 60_000;

/**
 * `ordinal local`'s RSS under its once-a-minute heap reduction: `depthMB` below the top just
 * after each one (every `periodMs`, first at `phaseMs`), climbing back over the period, plus
 * `leakMBPer10` of growth. Sampled every `everyMs` from `fromMs` to `toMs`.
 */
function sawtooth(o: { fromMs: number; toMs: number; everyMs: number; periodMs: number; phaseMs: number; depthMB: number; leakMBPer10: number; gen?: number }): RssSample[] {
  const out: RssSample[] = [];
  for (let t = o.fromMs; t <= o.toMs; t += o.everyMs) {
    const since = (((t - o.phaseMs) % o.periodMs) + o.periodMs) % o.periodMs;
    const rssMB = 300 - o.depthMB + o.depthMB * Math.sqrt(since / o.periodMs) + (o.leakMBPer10 * t) / (10 * MIN);
    out.push({ t, proc: 'ordinal local', rssMB, fds: 100 + Math.floor(t / MIN), gen: o.gen ?? 0 });
  }
  return out;
}

const slopeOf = (xs: RssSample[], warmMs = 5 * MIN): number => {
  const r = rssSlope(xs, 'ordinal local', warmMs);
  if (!r.judged) throw new Error('not judged');
  return r.perTenMinutes;
};

describe('minuteRss', () => {
  const xs: RssSample[] = [
    { t: 1_000, proc: 'a', rssMB: 100, fds: 10, gen: 0 },
    { t: 59_000, proc: 'a', rssMB: 110, fds: 11, gen: 0 },
    { t: 61_000, proc: 'a', rssMB: 200, fds: 12, gen: 0 },
    { t: 62_000, proc: 'b', rssMB: 999, fds: 99, gen: 0 },
    { t: 119_000, proc: 'a', rssMB: 220, fds: 13, gen: 0 },
  ];
  it.each([
    { what: 'mean of the minute, descriptors at its last sample', proc: 'a', from: 60_000, to: 120_000, want: { rssMB: 210, fds: 13 } },
    { what: 'the first minute', proc: 'a', from: 0, to: 60_000, want: { rssMB: 105, fds: 11 } },
    { what: 'no sample in the minute (down): the last before it', proc: 'a', from: 130_000, to: 180_000, want: { rssMB: 220, fds: 13 } },
    { what: 'another process is its own', proc: 'b', from: 60_000, to: 120_000, want: { rssMB: 999, fds: 99 } },
    { what: 'nothing yet', proc: 'a', from: 0, to: 500, want: undefined },
  ])('$what', ({ proc, from, to, want }) => {
    expect(minuteRss(xs, proc, from, to)).toEqual(want);
  });
});

describe('rssSlope', () => {
  const base = { fromMs: 0, toMs: 45 * MIN, periodMs: 60_000, phaseMs: 13_000, depthMB: 20 };

  it.each([
    { what: 'a level sawtooth', leak: 0 },
    { what: 'a leak of 1 MB / 10 min under the sawtooth', leak: 1 },
    { what: 'a leak of 3 MB / 10 min', leak: 3 },
  ])('sampled every second, reads $what within 0.1', ({ leak }) => {
    expect(slopeOf(sawtooth({ ...base, everyMs: 1_000, leakMBPer10: leak }))).toBeCloseTo(leak, 1);
  });

  it('judges the longest life after its own warm-up, not the restarts before it', () => {
    // Killed at minute 8; the new process leaks 2 MB / 10 min from a lower start.
    const first = sawtooth({ ...base, toMs: 8 * MIN - 1_000, everyMs: 1_000, leakMBPer10: 30 });
    const second = sawtooth({ ...base, fromMs: 8 * MIN, everyMs: 1_000, leakMBPer10: 2, gen: 1 }).map((x) => ({ ...x, rssMB: x.rssMB - 50 }));
    const r = rssSlope([...first, ...second], 'ordinal local', 5 * MIN);
    expect(r.judged).toBe(true);
    if (!r.judged) return;
    expect(r.first.t).toBe(13 * MIN);
    expect(r.first.gen).toBe(1);
    expect(r.spanMs).toBe(32 * MIN);
    expect(r.perTenMinutes).toBeCloseTo(2, 1);
  });

  it.each([
    { what: 'a life of under 3 minutes after warm-up is not judged', toMs: 7 * MIN, judged: false },
    { what: 'exactly 3 minutes is', toMs: 8 * MIN, judged: true },
  ])('$what', ({ toMs, judged }) => {
    expect(rssSlope(sawtooth({ ...base, toMs, everyMs: 1_000, leakMBPer10: 0 }), 'ordinal local', 5 * MIN).judged).toBe(judged);
  });
});

// /proc/<pid>/status of a running process, and of one killed but not yet reaped (no memory lines).
describe('statusRssMB', () => {
  it.each([
    { what: 'a running process', status: 'Name:\tnode\nState:\tS (sleeping)\nVmHWM:\t  400000 kB\nVmRSS:\t  307200 kB\nRssAnon:\t  200000 kB\n', want: 300 },
    { what: 'a zombie after kill -9', status: 'Name:\tnode\nState:\tZ (zombie)\nThreads:\t1\n', want: undefined },
    { what: 'empty', status: '', want: undefined },
  ])('$what', ({ status, want }) => {
    expect(statusRssMB(status)).toBe(want);
  });
});
