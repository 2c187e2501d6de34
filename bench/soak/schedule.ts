/**
 * @module When each fault is injected: a pure plan over the run's length and a seeded stream.
 *
 * Every kind gets one slot per 6-minute cycle, the slots evenly spaced from 20 s in. A run of
 * 30 minutes or more also has to measure `ordinal local`'s RSS slope after its warm-up, and a
 * kill -9 starts a new process that warms up again: with kill -9 anywhere, its longest life was
 * 5-10 minutes (5 after warm-up), too short to tell a leak from V8's heap breathing (a ±15 MB
 * cycle over 5 minutes fits 18 MB per 10 minutes). So in those runs the kill -9 slots are moved
 * to the run's first and last stretches, out of a middle window from 15% to 87.5% of the run, and
 * the other kinds fill the window. No fault is dropped: each kind is injected as often as before,
 * the kill -9s in quicker succession (the 27.5% outside holds at least the 25% of slots they need,
 * for any run of 30 minutes or more). The window was 25-85%; over the ~31 minutes after warm-up
 * that left, RSS breathing by ±13 MB (V8's collections, the churn's live objects) gives a
 * least-squares slope a standard error near 0.8 MB / 10 min, most of the 1 MB bound. The ~39
 * minutes of this window cut it by a third (it falls as the length to the power 1.5).
 */
import { FAULT_KINDS, type FaultKind } from './config.ts';
import type { Rng } from './rng.ts';

export interface FaultSlot { dueMs: number; kind: FaultKind }

export interface FaultPlan {
  slots: FaultSlot[];
  /** Where kill -9 is kept out of, when it is ([from, to) in ms from the start). */
  quiet?: [number, number];
}

const CYCLE_MIN = 6;
const FIRST_MS = 20_000;
/** Runs this long or longer keep kill -9 out of the middle window. */
export const QUIET_MIN_MINUTES = 30;

/** The middle window kill -9 is kept out of ([from, to) in ms from the start), for runs that have one. */
export function quietWindow(minutes: number): [number, number] | undefined {
  return minutes < QUIET_MIN_MINUTES ? undefined : [minutes * 60_000 * 0.15, minutes * 60_000 * 0.875];
}

function shuffle<T>(xs: T[], rng: Rng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

export function planFaults(minutes: number, rng: Rng): FaultPlan {
  const cycles = Math.max(1, Math.floor(minutes / CYCLE_MIN));
  const n = cycles * FAULT_KINDS.length;
  const slot = (minutes * 60_000 - FIRST_MS) / n;
  const due = (i: number): number => FIRST_MS + i * slot;
  const quiet = quietWindow(minutes);
  if (!quiet) {
    const kinds: FaultKind[] = [];
    // The draws of the runs before this plan existed, so that their seeds replay the same faults.
    for (let c = 0; c < cycles; c++) kinds.push(...[...FAULT_KINDS].sort(() => rng.next() - 0.5));
    return { slots: kinds.map((kind, i) => ({ dueMs: due(i), kind })) };
  }
  const outside: number[] = [];
  for (let i = 0; i < n; i++) if (due(i) < quiet[0] || due(i) >= quiet[1]) outside.push(i);
  // The window spans 72.5% of the run; the slots outside it hold the kill -9s (25% of all slots).
  const killAt = new Set(shuffle([...outside], rng).slice(0, cycles));
  const others = shuffle(FAULT_KINDS.filter((k) => k !== 'kill9').flatMap((k) => Array<FaultKind>(cycles).fill(k)), rng);
  const slots: FaultSlot[] = [];
  for (let i = 0; i < n; i++) slots.push({ dueMs: due(i), kind: killAt.has(i) ? 'kill9' : others.pop()! });
  return { slots, quiet };
}
