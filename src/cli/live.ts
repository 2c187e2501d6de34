/**
 * @module `ordinal serve` against a live API server: the watcher feeds the zone, DNS answers
 * from its snapshots, /healthz /readyz /metrics report on it, and with `--controller` the
 * StatefulSet controller runs under leader election. `ordinal local` reuses this against the
 * embedded API.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { startStatefulSetController } from '../controller/statefulset.ts';
import { formatHostPort, parseHostPort } from '../dns/address.ts';
import { freshnessGate } from '../dns/freshness.ts';
import { resolveUdpIo, startDnsServer, type DnsServer } from '../dns/server.ts';
import { loadKubeConfig } from '../kube/config.ts';
import { startHttpServer, type HttpServer } from '../kube/http.ts';
import { createMetrics, type Metrics } from '../kube/metrics.ts';
import { shutdown, type Closable } from '../kube/shutdown.ts';
import { startWatcher, type Watcher } from '../kube/watcher.ts';
import type { Logger } from '../log.ts';
import { ClusterModel } from '../zone/model.ts';
import type { ServeConfig } from './config.ts';
import { transferConfig } from './transfer.ts';
import type { Output } from './serve.ts';
import { expectedRule, zoneConfig } from './zone-config.ts';
import { startWorkerPool, threadsNote, usesPool, workerCount, type WorkerPool } from './worker-pool.ts';
import { FeedingModel } from './zone-feed.ts';
import { lowerMainThread } from './priority.ts';

/** Where the controller's Lease lives; several replicas of ordinal campaign for it. */
export const CONTROLLER_LEASE = { namespace: 'kube-system', name: 'ordinal-statefulset-controller' };

export interface LiveServe {
  readonly watcher: Watcher;
  /** In process, or the `--workers N` pool. */
  readonly dns: Pick<DnsServer, 'port' | 'close'> & { readonly pool?: WorkerPool; readonly udpStats?: DnsServer['udpStats'] };
  readonly http: HttpServer;
  /** Runs the shutdown sequence: readiness 503, drain, DNS, watch, controller, HTTP. */
  close(drainMs?: number): Promise<void>;
}

/**
 * Start watching `kc` and serving DNS from it. Resolves once DNS and HTTP are listening.
 * `controller`: run the StatefulSet controller too, under leader election; a string is its
 * identity in the Lease (default: a new one per process, as kube-controller-manager's).
 */
export async function startLiveServe(cfg: ServeConfig, kc: KubeConfig, log: Logger, controller: boolean | string): Promise<LiveServe> {
  const metrics = createMetrics({ defaultMetrics: true });
  const workers = workerCount(cfg.workers);
  const modelOpts = { onError: (err: unknown, service: string) => log.warn({ err, service }, 'service left out of the zone: its names cannot be encoded') };
  // With workers, one set of watches here feeds every worker's zone (zone-feed.ts). With zone
  // transfers or --dns-rt-priority, the pool runs even for one worker (worker-pool.ts, usesPool).
  const model = usesPool(cfg, workers) ? new FeedingModel(zoneConfig(cfg), modelOpts) : new ClusterModel(zoneConfig(cfg), modelOpts);
  const watcher = startWatcher({
    kc, model, endpointsFrom: cfg.endpointsFrom, namespaces: cfg.namespaces, labelSelector: cfg.labelSelector, log, metrics,
    pods: cfg.pods === 'verified' || expectedRule(cfg), statefulSets: expectedRule(cfg),
  });
  const others: Closable[] = [];
  try {
    const dns = model instanceof FeedingModel ? await startPool(cfg, workers, model, watcher, log, metrics) : await startInProcess(cfg, watcher, log, metrics);
    others.push(dns);
    if (dns.udpStats) metrics.trackUdp(dns.udpStats);
    const http = await startHttpServer({ listen: cfg.httpListen, metrics, ready: () => watcher.isSynced(), log });
    if (controller) {
      const identity = typeof controller === 'string' ? controller : undefined;
      const ctl = startStatefulSetController(kc, { log, leaderElection: { ...CONTROLLER_LEASE, identity } });
      others.push({ close: () => ctl.stop() });
    }
    return {
      watcher, dns, http,
      close: (drainMs = 2000) => shutdown({ http, dns, watcher, others: others.slice(1), drainMs, log }),
    };
  } catch (err) {
    await watcher.stop();
    for (const o of others) await o.close();
    throw err;
  }
}

/**
 * DNS on this thread, beside the watches. Back from a stop it holds its answers until every
 * informer has relisted (dns/freshness.ts); this thread's gate hears that from the watcher.
 */
async function startInProcess(cfg: ServeConfig, watcher: Watcher, log: Logger, metrics: Metrics): Promise<LiveServe['dns']> {
  const fresh = freshnessGate();
  watcher.onFresh((since) => fresh.caughtUp(since));
  try {
    const dns = await startDnsServer({
      listen: cfg.dnsListen, source: watcher.source, log, maxUdpSize: cfg.maxUdpSize, tcpIdleTimeoutMs: cfg.tcpIdleTimeoutMs,
      tcpMaxConnections: cfg.tcpMaxConnections, cacheSize: cfg.cacheSize, onQuery: metrics.onQuery, udpIo: cfg.udpIo,
      transfer: transferConfig(cfg), holding: fresh.holding,
    });
    return { port: dns.port, udpStats: dns.udpStats, close: async () => { fresh.stop(); await dns.close(); } };
  } catch (err) {
    fresh.stop();
    throw err;
  }
}

async function startPool(cfg: ServeConfig, workers: number, model: FeedingModel, watcher: Watcher, log: Logger, metrics: Metrics): Promise<LiveServe['dns']> {
  // Each worker holds its own answers after a stop; the catch-up reaches it after the deltas (zone-feed.ts).
  watcher.onFresh((since) => model.feed.sendFresh(since));
  const pool = await startWorkerPool({ ...cfg, udpIo: resolveUdpIo(cfg.udpIo, log) }, workers, model.feed, log);
  // The workers count their own queries and UDP drops; /metrics sums them in.
  metrics.setRemote(async () => (await pool.stats()).metrics);
  lowerMainThread(cfg.mainThreadNice, log);
  return { port: pool.port, close: () => pool.close(), pool };
}

/** `ordinal serve` without --manifests: follow the cluster named by --kubeconfig or in-cluster config. */
export async function runLiveServe(cfg: ServeConfig, stdout: Output, stop: Promise<unknown>, log: Logger): Promise<number> {
  const kc = loadKubeConfig({ kubeconfig: cfg.kubeconfig, context: cfg.context });
  const live = await startLiveServe(cfg, kc, log, cfg.controller);
  const where = formatHostPort(parseHostPort(cfg.dnsListen).host, live.dns.port);
  const threads = live.dns.pool ? threadsNote(live.dns.pool) : '';
  stdout.write(`dns listening on udp+tcp ${where}${threads}; health and metrics on http://${formatHostPort(live.http.address, live.http.port)}\n`);
  stdout.write(`watching ${kc.getCurrentCluster()?.server ?? 'the cluster'}${cfg.controller ? ' with the StatefulSet controller' : ''}\n`);
  live.watcher.synced.then(() => stdout.write('zone synced: answering from the cluster\n'), () => undefined);
  await stop;
  await live.close();
  return 0;
}
