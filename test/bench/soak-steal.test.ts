// Host steal (bench/soak/steal.ts): read from /proc/stat, as a share of the CPU time between two
// readings, and a chunk with too much of it is left out of the latency target like a fault's.
import { describe, expect, it } from 'vitest';
import { judged, parseProcStat, readCpuTimes, stealShare } from '../../bench/soak/steal.ts';

describe('parseProcStat', () => {
  it.each([
    { name: 'a kernel with guest columns (left out: counted in user)', text: 'cpu  100 20 30 800 5 0 10 35 7 0\ncpu0 50 10 15 400 2 0 5 18 3 0\n', want: { total: 1000, steal: 35 } },
    { name: 'exactly eight columns', text: 'cpu 1 1 1 1 1 1 1 3\n', want: { total: 10, steal: 3 } },
    { name: 'the aggregate line after others', text: 'intr 5\ncpu  10 0 0 90 0 0 0 0 0 0\n', want: { total: 100, steal: 0 } },
    { name: 'no aggregate line (only per-CPU lines)', text: 'cpu0 1 2 3 4 5 6 7 8\n', want: undefined },
    { name: 'too few columns (no steal)', text: 'cpu  1 2 3 4 5 6 7\n', want: undefined },
    { name: 'not numbers', text: 'cpu  a b c d e f g h\n', want: undefined },
    { name: 'empty', text: '', want: undefined },
  ])('$name', ({ text, want }) => {
    expect(parseProcStat(text)).toEqual(want);
  });

  it('reads this machine (Linux)', () => {
    const t = readCpuTimes();
    expect(t?.total).toBeGreaterThan(0);
    expect(t?.steal).toBeGreaterThanOrEqual(0);
  });
});

describe('stealShare', () => {
  it.each([
    { name: 'a tenth stolen', from: { total: 1000, steal: 10 }, to: { total: 1200, steal: 30 }, want: 0.1 },
    { name: 'nothing stolen', from: { total: 1000, steal: 10 }, to: { total: 1200, steal: 10 }, want: 0 },
    { name: 'a counter that went back counts as none', from: { total: 1000, steal: 50 }, to: { total: 1200, steal: 40 }, want: 0 },
    { name: 'no time passed', from: { total: 1000, steal: 10 }, to: { total: 1000, steal: 10 }, want: NaN },
    { name: 'no first reading', from: undefined, to: { total: 1000, steal: 10 }, want: NaN },
    { name: 'no second reading', from: { total: 1000, steal: 10 }, to: undefined, want: NaN },
  ])('$name', ({ from, to, want }) => {
    const got = stealShare(from, to);
    if (Number.isNaN(want)) expect(got).toBeNaN();
    else expect(got).toBeCloseTo(want, 10);
  });
});

describe('judged', () => {
  it.each([
    { name: 'a quiet chunk', steal: 0.005, faulted: false, want: true },
    { name: 'steal just under the limit', steal: 0.0199, faulted: false, want: true },
    { name: 'steal at the limit', steal: 0.02, faulted: false, want: false },
    { name: 'a fault', steal: 0, faulted: true, want: false },
    { name: 'steal unknown (no /proc/stat)', steal: NaN, faulted: false, want: true },
    { name: 'a limit of 100%: everything without a fault', steal: 0.3, faulted: false, limit: 1, want: true },
  ])('$name', ({ steal, faulted, want, limit }) => {
    expect(judged(steal, limit ?? 0.02, faulted)).toBe(want);
  });
});
