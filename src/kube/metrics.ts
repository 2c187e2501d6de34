/**
 * @module The process metrics, served on /metrics (Prometheus text format).
 *
 * Hot paths (one DNS query, one watch event) touch only typed arrays (fastmetrics.ts); the
 * per-resource and zone gauges are computed at scrape time from the informers' and the model's
 * own counters through prom-client `collect()` callbacks, so nothing is double-counted.
 *
 * Names follow CoreDNS where an equivalent exists (dns.md B.11), with an `ordinal_` prefix.
 */
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UdpStats } from '../dns/udp-batch.ts';
import type { InformerStats } from './informer.ts';
import { FastHistogram, QueryCounter } from './fastmetrics.ts';

/** 1 ms × 2^n up to ~8 s, as CoreDNS' programming-duration histogram (20 buckets there). */
const PROGRAMMING_BUCKETS = Array.from({ length: 14 }, (_, i) => 0.001 * 2 ** i);
/** 25 µs … ~100 ms: answering from a snapshot is microseconds; the tail shows GC/loop stalls. */
const DNS_LATENCY_BUCKETS = [25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 100e-3];

export interface ZoneSize {
  names: number;
  records: number;
  services?: number;
  pods?: number;
  slices?: number;
}

interface Tracked {
  resource: string;
  stats(): InformerStats;
}

export interface Metrics {
  readonly registry: Registry;
  /** Count one answered DNS query; `micros` is the handling time. Matches dns/handler's OnQuery. */
  readonly onQuery: (qtype: number, rcode: number, micros: number) => void;
  /** Seconds from receiving a watch event to publishing the snapshot that answers it. */
  observeProgramming(seconds: number): void;
  /** A DNS worker thread's pause (only a registry created with `thread` keeps them). */
  observePause(cause: PauseCause, seconds: number): void;
  /** Export restarts/errors/staleness of an informer under `resource` (e.g. 'pods/default'). */
  trackInformer(resource: string, informer: { stats(): InformerStats }): void;
  untrackInformer(resource: string): void;
  /** Export the zone size, read at scrape time. */
  trackZone(fn: () => ZoneSize): void;
  /** Export the batched UDP path's counters (dns/udp-batch.ts), read at scrape time. */
  trackUdp(fn: () => UdpStats | undefined): void;
  /**
   * Other registries (the DNS worker threads', as `getMetricsAsJSON()`), summed into this one's
   * at scrape time, so /metrics counts every thread's queries.
   */
  setRemote(fn: () => Promise<object[][]>): void;
  /** The text for /metrics. */
  render(): Promise<string>;
  readonly programming: FastHistogram;
  readonly dnsLatency: FastHistogram;
  readonly queries: QueryCounter;
}

/** This isolate's heap, read at scrape time: used, committed (total) and resident (physical). */
function threadHeapGauge(registry: Registry, thread: string): void {
  new Gauge({
    name: 'ordinal_dns_thread_heap_bytes',
    help: 'V8 heap of each DNS worker thread: used, total (committed) and physical (resident) bytes.',
    labelNames: ['thread', 'kind'],
    registers: [registry],
    collect(): void {
      const h = getHeapStatistics();
      this.set({ thread, kind: 'used' }, h.used_heap_size);
      this.set({ thread, kind: 'total' }, h.total_heap_size);
      this.set({ thread, kind: 'physical' }, h.total_physical_size);
    },
  });
  // Per space, so a thread's growth can be told apart: the young generation resizing itself, or
  // the old generation keeping more (the main isolate's are in ordinal_nodejs_heap_space_*).
  new Gauge({
    name: 'ordinal_dns_thread_heap_space_bytes',
    help: 'Resident (physical) bytes of each V8 heap space of each DNS worker thread.',
    labelNames: ['thread', 'space'],
    registers: [registry],
    collect(): void {
      for (const s of getHeapSpaceStatistics()) {
        if (s.space_size > 0) this.set({ thread, space: s.space_name.replace(/_space$/, '') }, s.physical_space_size);
      }
    },
  });
}

/** What stopped a DNS thread from answering: its own collections, by kind, or taking in a zone delta. */
export type PauseCause = 'gc_young' | 'gc_full' | 'gc_other' | 'zone_delta';

/**
 * A DNS thread's pauses: every query that arrives during one waits for it, so their sum and
 * length are the floor under the answer latency's tail (issue #14: about 1% of each thread's
 * time in the soak, in pieces of 1-3 ms). Seen a few times a second, so a labelled histogram.
 */
function threadPauses(registry: Registry, thread: string): (cause: PauseCause, seconds: number) => void {
  const h = new Histogram({
    name: 'ordinal_dns_thread_pause_seconds',
    help: 'Pauses of each DNS worker thread: its V8 garbage collections (young, full, other) and taking in zone deltas.',
    labelNames: ['thread', 'cause'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  return (cause, seconds) => h.observe({ thread, cause }, seconds);
}

/** UdpStats fields exported under ordinal_dns_udp_total{event}. */
const UDP_EVENTS: ReadonlyArray<[keyof UdpStats, string]> = [
  ['received', 'received'], ['sent', 'sent'], ['sendErrors', 'send_error'], ['recvErrors', 'recv_error'], ['batches', 'batch'],
];

/**
 * `thread`: this registry is a DNS worker thread's (cli/dns-worker.ts). Each thread is a V8
 * isolate with a heap of its own, which the process's `ordinal_nodejs_heap_*` metrics (the main
 * thread's isolate only) do not show, so the thread exports its own under that label.
 */
export function createMetrics(opts: { defaultMetrics?: boolean; thread?: string } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'ordinal_' });
  if (opts.thread !== undefined) threadHeapGauge(registry, opts.thread);
  const observePause = opts.thread !== undefined ? threadPauses(registry, opts.thread) : (): void => undefined;
  const queries = new QueryCounter(registry, 'ordinal_dns_requests_total', 'DNS queries answered, by query type and response code.');
  const dnsLatency = new FastHistogram(registry, 'ordinal_dns_request_duration_seconds', 'Time to answer a DNS query, from decode to encoded reply.', DNS_LATENCY_BUCKETS);
  const programming = new FastHistogram(
    registry,
    'ordinal_dns_programming_duration_seconds',
    'Time from receiving a watch event to publishing the zone snapshot that reflects it.',
    PROGRAMMING_BUCKETS,
  );
  const tracked = new Map<string, Tracked>();
  let zone: (() => ZoneSize) | undefined;
  let udp: (() => UdpStats | undefined) | undefined;
  let remote: (() => Promise<object[][]>) | undefined;
  new Counter({
    name: 'ordinal_dns_udp_dropped_replies_total',
    help: 'UDP replies dropped because the socket send buffer was full (EAGAIN/ENOBUFS), batched UDP path only.',
    registers: [registry],
    collect(): void {
      this.reset();
      const s = udp?.();
      if (s) this.inc(s.dropped);
    },
  });
  new Counter({
    name: 'ordinal_dns_udp_total',
    help: 'Batched UDP path: datagrams received and sent, send and receive errors, and batches (recvmmsg calls that returned data).',
    labelNames: ['event'],
    registers: [registry],
    collect(): void {
      this.reset();
      const s = udp?.();
      if (s) for (const [k, event] of UDP_EVENTS) this.inc({ event }, s[k]);
    },
  });

  const perResource = <T extends Counter | Gauge>(make: (collect: (this: T) => void) => T, read: (s: InformerStats, now: number) => number | undefined): T =>
    make(function (this: T) {
      this.reset();
      const now = Date.now();
      for (const t of tracked.values()) {
        const v = read(t.stats(), now);
        if (v === undefined) continue;
        if (this instanceof Gauge) this.set({ resource: t.resource }, v);
        else (this as Counter).inc({ resource: t.resource }, v);
      }
    });

  perResource<Counter>(
    (collect) => new Counter({ name: 'ordinal_watch_restarts_total', help: 'Watches reopened (timeouts, drops, errors, relists), per resource.', labelNames: ['resource'], registers: [registry], collect }),
    (s) => s.restarts,
  );
  perResource<Counter>(
    (collect) => new Counter({ name: 'ordinal_watch_errors_total', help: 'Failed list/watch attempts, per resource.', labelNames: ['resource'], registers: [registry], collect }),
    (s) => s.errors,
  );
  perResource<Counter>(
    (collect) => new Counter({ name: 'ordinal_watch_relists_total', help: 'Relists after 410 Gone, per resource.', labelNames: ['resource'], registers: [registry], collect }),
    (s) => s.relists,
  );
  perResource<Gauge>(
    (collect) => new Gauge({ name: 'ordinal_watch_seconds_since_sync', help: 'Seconds since the cache was last known in sync with the API, per resource.', labelNames: ['resource'], registers: [registry], collect }),
    (s, now) => (s.lastSyncAt === undefined ? undefined : (now - s.lastSyncAt) / 1000),
  );
  perResource<Gauge>(
    (collect) => new Gauge({ name: 'ordinal_watch_objects', help: 'Objects in the watch cache, per resource.', labelNames: ['resource'], registers: [registry], collect }),
    (s) => s.objects,
  );
  new Gauge({
    name: 'ordinal_zone_size',
    help: 'Size of the published zone: names, records, services, pods, slices.',
    labelNames: ['what'],
    registers: [registry],
    collect(): void {
      this.reset();
      if (!zone) return;
      for (const [what, v] of Object.entries(zone())) if (typeof v === 'number') this.set({ what }, v);
    },
  });

  return {
    registry,
    onQuery(qtype: number, rcode: number, micros: number): void {
      queries.inc(qtype, rcode);
      dnsLatency.observe(micros / 1e6);
    },
    observeProgramming: (s) => programming.observe(s),
    observePause,
    trackInformer: (resource, informer) => void tracked.set(resource, { resource, stats: () => informer.stats() }),
    untrackInformer: (resource) => void tracked.delete(resource),
    trackZone(fn): void {
      zone = fn;
    },
    trackUdp(fn): void {
      udp = fn;
    },
    setRemote(fn): void {
      remote = fn;
    },
    async render(): Promise<string> {
      if (!remote) return registry.metrics();
      const others = await remote();
      // Only what the workers also export is summed: prom-client's aggregators would otherwise
      // drop or average this thread's own process metrics ('omit' for the start time).
      const shared = new Set(others.flat().map((m) => (m as { name: string }).name));
      const local = (await registry.getMetricsAsJSON()).filter((m) => shared.has(m.name));
      const merged = AggregatorRegistry.aggregate([local, ...others]);
      for (const { name } of registry.getMetricsAsArray()) {
        const own = shared.has(name) ? undefined : registry.getSingleMetric(name);
        if (own) merged.registerMetric(own);
      }
      return merged.metrics();
    },
    programming,
    dnsLatency,
    queries,
  };
}
