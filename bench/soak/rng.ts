/** @module Seeded randomness: every choice the soak makes comes from one of these, so a seed replays a run. */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  int(lo: number, hiExclusive: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
  /** An independent stream for one concern (load, churn...), so adding draws to one leaves the others unchanged. */
  fork(name: string): Rng;
}

/** splitmix32-style mixing of a 32-bit state (public-domain constants). */
export function makeRng(seed: number): Rng {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo)),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    chance: (p) => next() < p,
    fork: (name) => {
      let h = seed >>> 0;
      for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
      return makeRng(h);
    },
  };
  return rng;
}
