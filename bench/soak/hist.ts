/** @module A latency histogram: 1 µs buckets to 10 ms, 100 µs buckets to 1 s; percentiles from it. */

const FINE = 10_000;
const SIZE = FINE + 9_900;

export class Hist {
  readonly b = new Uint32Array(SIZE);
  n = 0;
  add(us: number): void {
    const u = Math.max(0, Math.round(us));
    this.b[u < FINE ? u : Math.min(SIZE - 1, FINE + Math.floor((u - FINE) / 100))]!++;
    this.n++;
  }
  merge(o: Hist): this {
    for (let i = 0; i < SIZE; i++) this.b[i]! += o.b[i]!;
    this.n += o.n;
    return this;
  }
  /** The q-quantile in milliseconds (q in [0, 1]), NaN when empty. */
  quantileMs(q: number): number {
    if (this.n === 0) return NaN;
    const want = Math.ceil(q * this.n);
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.b[i]!;
      if (seen >= want) return (i < FINE ? i : FINE + (i - FINE) * 100) / 1000;
    }
    return NaN;
  }
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) { num += (xs[i]! - mx) * (ys[i]! - my); den += (xs[i]! - mx) ** 2; }
  return den === 0 ? 0 : num / den;
}
