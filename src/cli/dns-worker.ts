/**
 * @module Entry point of one `--workers N` DNS worker thread. The main thread owns the zone's
 * inputs (manifests or the API watches) and sends them here as slim-record deltas
 * (zone-feed.ts); the worker keeps its own ClusterModel and answers from its snapshots on its
 * own sockets on the shared port (SO_REUSEPORT: the kernel spreads packets and connections across
 * the workers), UDP and TCP, or one of them (WorkerInit.protocols). It starts listening once the
 * first zone message is in.
 */
import { constants as perfConstants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { formatHostPort, parseHostPort } from '../dns/address.ts';
import { startDnsServer, type DnsServer, type Protocols } from '../dns/server.ts';
import type { UdpStats } from '../dns/udp-batch.ts';
import { createMetrics, type PauseCause } from '../kube/metrics.ts';
import { createLogger, type Logger } from '../log.ts';
import { ClusterModel } from '../zone/model.ts';
import { createSealer, SnapshotSource } from '../zone/source.ts';
import type { ServeConfig } from './config.ts';
import { freshnessGate } from '../dns/freshness.ts';
import { zoneConfig } from './zone-config.ts';
import { applyZoneMessage, isZoneMessage, type ZoneMessage } from './zone-feed.ts';
import { transferConfig } from './transfer.ts';
import { deadlineThisThread, realtimeThisThread } from './priority.ts';

/**
 * `cfg.udpIo` is already resolved by the main thread (never `auto`), so only it warns.
 * `protocols`: what this thread listens on (worker-pool.ts: with zone transfers, one thread serves TCP
 * and the others UDP). `notify`: this thread sends the NOTIFYs (one thread of the pool does).
 */
export interface WorkerInit { readonly cfg: ServeConfig; readonly port: number; readonly index: number; readonly protocols: Protocols; readonly notify: boolean }
export type WorkerMessage =
  | { type: 'listening'; port: number }
  | { type: 'error'; message: string }
  | { type: 'stats'; id: number; udp: UdpStats | undefined; queries: number; metrics: object[] };

function serve(init: WorkerInit, source: SnapshotSource, log: Logger, onQuery: (qtype: number, rcode: number, micros: number) => void, holding: () => boolean): Promise<DnsServer> {
  const { cfg } = init;
  const { host } = parseHostPort(cfg.dnsListen);
  return startDnsServer({
    listen: formatHostPort(host, init.port), source, log, reusePort: true, maxUdpSize: cfg.maxUdpSize, udpIo: cfg.udpIo,
    tcpIdleTimeoutMs: cfg.tcpIdleTimeoutMs, tcpMaxConnections: cfg.tcpMaxConnections, cacheSize: cfg.cacheSize, onQuery,
    protocols: init.protocols, holding,
    // Every thread answers transfer queries it receives (UDP ones per RFC 1995 §4); one sends NOTIFYs.
    transfer: transferConfig(cfg, init.notify),
  });
}

/** A collection's kind (perf_hooks `detail.kind`) as a pause cause. */
function gcCause(e: PerformanceEntry): PauseCause {
  const kind = ((e as { detail?: unknown }).detail as { kind?: number } | null | undefined)?.kind;
  return kind === perfConstants.NODE_PERFORMANCE_GC_MINOR ? 'gc_young' : kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR ? 'gc_full' : 'gc_other';
}

/** A zone delta that takes this long to apply held up every query queued behind it. */
const SLOW_DELTA_MS = 50;

function run(init: WorkerInit, port: NonNullable<typeof parentPort>): void {
  const log = createLogger(init.cfg.logLevel).child({ worker: init.index });
  // Before the first query: from here on this thread preempts every normally scheduled one.
  const { dnsRtPriority, dnsDeadline } = init.cfg;
  const sched = dnsRtPriority > 0 ? { policy: 'SCHED_RR', why: realtimeThisThread(dnsRtPriority), params: { priority: dnsRtPriority } }
    : dnsDeadline ? { policy: 'SCHED_DEADLINE', why: deadlineThisThread(dnsDeadline), params: dnsDeadline }
    : undefined;
  if (sched?.why !== undefined) log.warn({ reason: sched.why }, 'DNS thread stays under the normal scheduler');
  else if (sched) log.info(sched.params, `DNS thread runs under ${sched.policy}`);
  // The main thread's model warns about unencodable services once; N workers need not repeat it.
  const model = new ClusterModel(zoneConfig(init.cfg), {
    onError: (err, service) => log.debug({ err, service }, 'service left out of the zone: its names cannot be encoded'),
  });
  let source: SnapshotSource | undefined;
  let sealer: ReturnType<typeof createSealer> | undefined;
  let server: Promise<DnsServer> | undefined;
  // This thread's query counters; the main thread sums them into its /metrics at scrape time.
  const metrics = createMetrics({ defaultMetrics: false, thread: String(init.index) });
  // This isolate's collections, each a pause of this thread's answers (ordinal_dns_thread_pause_seconds).
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) metrics.observePause(gcCause(e), e.duration / 1000);
  }).observe({ entryTypes: ['gc'] });
  // Back from a stop, this thread holds its answers until the main thread says it caught up.
  const fresh = freshnessGate();
  const onZone = (m: ZoneMessage): void => {
    // A stop is noticed before the message is taken in, even when the message is the first
    // thing this thread reads after its resume.
    fresh.holding();
    if (m.fresh !== undefined) fresh.caughtUp(m.fresh);
    if (m.ops.length === 0 && source) return;
    const t0 = performance.now();
    applyZoneMessage(model, m, (err) => log.error({ err }, 'zone delta rejected'));
    if (source) {
      source.publish(model.snapshot());
      sealer?.schedule();
      // Queries wait while a delta is applied: a slow one is worth a line (it shows in the p99).
      const ms = performance.now() - t0;
      metrics.observePause('zone_delta', ms / 1000);
      // The initial sync (the message that carries `synced`) is expected to take a while.
      if (ms >= SLOW_DELTA_MS && !m.ops.some((o) => o.op === 'synced')) log.warn({ ms: Math.round(ms), ops: m.ops.length }, 'zone delta was slow to apply; queries waited');
      return;
    }
    source = new SnapshotSource(model.snapshot());
    // Each worker seals its own serial at the next second boundary after a change (zone/serial.ts).
    sealer = createSealer(model, source);
    sealer.schedule();
    server = serve(init, source, log, metrics.onQuery, fresh.holding);
    void server.then((s) => metrics.trackUdp(() => s.udpStats()), () => undefined);
    server.then(
      (s) => port.postMessage({ type: 'listening', port: s.port } satisfies WorkerMessage),
      (err: unknown) => port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies WorkerMessage),
    );
  };
  port.on('message', (m: unknown) => {
    if (isZoneMessage(m)) onZone(m);
    else if (m === 'stop') void (server ?? Promise.resolve(undefined)).then((s) => s?.close()).finally(() => port.close());
    else if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'stats') {
      const id = (m as { id: number }).id;
      void server?.then(async (s) => {
        const json = await metrics.registry.getMetricsAsJSON();
        port.postMessage({ type: 'stats', id, udp: s.udpStats(), queries: metrics.queries.total(), metrics: json } satisfies WorkerMessage);
      });
    }
  });
}

if (parentPort) run(workerData as WorkerInit, parentPort);
