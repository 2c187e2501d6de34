/**
 * @module Hot-path metrics over plain typed arrays, exposed through prom-client's registry.
 *
 * A prom-client `counter.inc({type, rcode})` hashes a label object per call; at tens of
 * thousands of DNS queries per second that costs more than the lookup itself. These metrics
 * count into typed arrays indexed by small integers and only build label sets when scraped.
 * They implement the small object shape `Registry.registerMetric` reads (`name`, `get()`, `reset()`).
 */
import type { Registry } from 'prom-client';

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

interface MetricLike {
  name: string;
  help: string;
  get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }>;
  reset(): void;
}

function register(registry: Registry, m: MetricLike): void {
  // The registry only reads name/get/reset; its Metric type is a union of its own classes.
  registry.registerMetric(m as unknown as Parameters<Registry['registerMetric']>[0]);
}

/** A label-less (or fixed-label) histogram; `observe` is a short linear scan over the bounds. */
export class FastHistogram {
  readonly #bounds: Float64Array;
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(registry: Registry, name: string, help: string, bounds: readonly number[]) {
    this.#bounds = Float64Array.from(bounds);
    this.#counts = new Float64Array(bounds.length);
    register(registry, { name, help, get: async () => this.#get(name, help), reset: () => this.reset() });
  }

  observe(v: number): void {
    this.#sum += v;
    this.#count++;
    const b = this.#bounds;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        this.#counts[i]!++;
        return;
      }
    }
  }

  reset(): void {
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
  }

  /** Cumulative bucket counts, for tests and benches. */
  snapshot(): { bounds: number[]; cumulative: number[]; count: number; sum: number } {
    let acc = 0;
    const cumulative = Array.from(this.#counts, (c) => (acc += c));
    return { bounds: [...this.#bounds], cumulative, count: this.#count, sum: this.#sum };
  }

  async #get(name: string, help: string): ReturnType<MetricLike['get']> {
    const s = this.snapshot();
    const values: MetricValue[] = s.bounds.map((le, i) => ({ metricName: `${name}_bucket`, labels: { le }, value: s.cumulative[i]! }));
    values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: s.count });
    values.push({ metricName: `${name}_sum`, labels: {}, value: s.sum });
    values.push({ metricName: `${name}_count`, labels: {}, value: s.count });
    return { name, help, type: 'histogram', values, aggregator: 'sum' };
  }
}

/** Query types worth their own label; everything else is 'other'. */
const QTYPES: ReadonlyArray<[number, string]> = [
  [1, 'A'], [2, 'NS'], [5, 'CNAME'], [6, 'SOA'], [12, 'PTR'], [16, 'TXT'], [28, 'AAAA'], [33, 'SRV'], [252, 'AXFR'], [255, 'ANY'],
];
const OTHER = QTYPES.length;
/** qtype (0..255) → row; one lookup per query. */
const TYPE_ROW = new Uint8Array(256).fill(OTHER);
QTYPES.forEach(([t], i) => (TYPE_ROW[t] = i));
const TYPE_NAMES = [...QTYPES.map(([, n]) => n), 'other'];
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
const RCODE_COLS = 24; // rcodes 0..23 (incl. extended BADVERS=16); larger ones share the last column

/** DNS queries by type × rcode, counted in one Float64Array. */
export class QueryCounter {
  readonly #counts = new Float64Array(TYPE_NAMES.length * RCODE_COLS);

  constructor(registry: Registry, name: string, help: string) {
    register(registry, { name, help, get: async () => this.#get(name, help), reset: () => this.#counts.fill(0) });
  }

  inc(qtype: number, rcode: number): void {
    const row = qtype < 256 ? TYPE_ROW[qtype]! : OTHER;
    this.#counts[row * RCODE_COLS + Math.min(rcode, RCODE_COLS - 1)]!++;
  }

  total(): number {
    return this.#counts.reduce((a, b) => a + b, 0);
  }

  async #get(name: string, help: string): ReturnType<MetricLike['get']> {
    const values: MetricValue[] = [];
    this.#counts.forEach((value, i) => {
      if (value === 0) return;
      const rcode = i % RCODE_COLS;
      values.push({ labels: { type: TYPE_NAMES[Math.floor(i / RCODE_COLS)]!, rcode: RCODES[rcode] ?? String(rcode) }, value });
    });
    return { name, help, type: 'counter', values, aggregator: 'sum' };
  }
}
