import { describe, expect, it } from 'vitest';
import { FAULT_KINDS } from '../../bench/soak/config.ts';
import { makeRng } from '../../bench/soak/rng.ts';
import { planFaults, quietWindow } from '../../bench/soak/schedule.ts';

describe('planFaults', () => {
  const cases = [
    { minutes: 3, seed: 1 }, { minutes: 12, seed: 7 }, { minutes: 29, seed: 3 },
    { minutes: 30, seed: 5 }, { minutes: 60, seed: 34 }, { minutes: 60, seed: 35 }, { minutes: 90, seed: 2 },
    // Odd lengths, where the slots outside the window are fewest relative to the kill -9s.
    { minutes: 31, seed: 9 }, { minutes: 47, seed: 4 }, { minutes: 119, seed: 8 },
  ];

  it.each(cases)('$minutes min, seed $seed: each kind once per 6-minute cycle, evenly spaced from 20 s', ({ minutes, seed }) => {
    const { slots } = planFaults(minutes, makeRng(seed).fork('faults'));
    const cycles = Math.max(1, Math.floor(minutes / 6));
    for (const k of FAULT_KINDS) expect(slots.filter((s) => s.kind === k)).toHaveLength(cycles);
    expect(slots[0]!.dueMs).toBe(20_000);
    const gap = (minutes * 60_000 - 20_000) / slots.length;
    slots.forEach((s, i) => expect(s.dueMs).toBeCloseTo(20_000 + i * gap, 6));
  });

  it.each(cases.filter((c) => c.minutes >= 30))('$minutes min, seed $seed: no kill -9 from 15% to 87.5% of the run, so one life of the primary spans it', ({ minutes, seed }) => {
    const plan = planFaults(minutes, makeRng(seed).fork('faults'));
    expect(plan.quiet).toEqual([minutes * 9_000, minutes * 52_500]);
    const kills = plan.slots.filter((s) => s.kind === 'kill9').map((s) => s.dueMs);
    expect(kills.filter((t) => t >= plan.quiet![0] && t < plan.quiet![1])).toEqual([]);
    const bounds = [0, ...kills, minutes * 60_000];
    const longest = Math.max(...bounds.slice(1).map((t, i) => t - bounds[i]!));
    expect(longest).toBeGreaterThanOrEqual(minutes * 60_000 * 0.725);
    // The other kinds still fall inside the window.
    expect(plan.slots.some((s) => s.kind !== 'kill9' && s.dueMs >= plan.quiet![0] && s.dueMs < plan.quiet![1])).toBe(true);
  });

  it.each(cases.filter((c) => c.minutes < 30))('$minutes min, seed $seed: the draws of earlier runs, so their seeds replay the same faults', ({ minutes, seed }) => {
    const rng = makeRng(seed).fork('faults');
    const old: string[] = [];
    for (let c = 0; c < Math.max(1, Math.floor(minutes / 6)); c++) old.push(...[...FAULT_KINDS].sort(() => rng.next() - 0.5));
    expect(planFaults(minutes, makeRng(seed).fork('faults')).slots.map((s) => s.kind)).toEqual(old);
    expect(quietWindow(minutes)).toBeUndefined();
  });

  it('a seed replays the same plan; another seed differs', () => {
    const a = planFaults(60, makeRng(34).fork('faults')).slots.map((s) => s.kind);
    expect(planFaults(60, makeRng(34).fork('faults')).slots.map((s) => s.kind)).toEqual(a);
    expect(planFaults(60, makeRng(36).fork('faults')).slots.map((s) => s.kind)).not.toEqual(a);
  });
});
