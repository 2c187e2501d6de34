/**
 * @module `ordinal serve --manifests ...`: a static zone from files, served over UDP+TCP,
 * in-process or in `--workers N` threads, until `stop` resolves (SIGINT/SIGTERM in main.ts).
 */
import { formatHostPort, parseHostPort } from '../dns/address.ts';
import { resolveUdpIo, startDnsServer } from '../dns/server.ts';
import { createLogger, type Logger } from '../log.ts';
import type { ServeConfig } from './config.ts';
import { transferConfig } from './transfer.ts';
import { loadManifests } from './manifests.ts';
import { buildStaticZone, zoneRecords } from './static-zone.ts';
import { startWorkerPool, threadsNote, usesPool, workerCount } from './worker-pool.ts';
import { ZoneFeed } from './zone-feed.ts';

export interface Output {
  write(text: string): void;
}

export class NotImplementedError extends Error {}

interface Running { readonly port: number; readonly udpThreads?: number; readonly tcpThread?: boolean; close(): Promise<void> }

async function startInProcess(cfg: ServeConfig, objects: object[], log: Logger): Promise<Running> {
  const { source, applied, skipped } = buildStaticZone(cfg, objects);
  log.info({ applied, skipped }, 'zone built from manifests');
  return startDnsServer({
    listen: cfg.dnsListen, source, log, maxUdpSize: cfg.maxUdpSize, tcpIdleTimeoutMs: cfg.tcpIdleTimeoutMs,
    tcpMaxConnections: cfg.tcpMaxConnections, cacheSize: cfg.cacheSize, udpIo: cfg.udpIo, transfer: transferConfig(cfg),
  });
}

/** The records are read once here and sent to every worker (zone-feed.ts). */
function startWorkers(cfg: ServeConfig, objects: object[], count: number, log: Logger): Promise<Running> {
  const feed = new ZoneFeed();
  for (const r of zoneRecords(objects)) feed.apply(r);
  feed.markSynced();
  feed.flush(); // nobody attached yet: the seed carries it all
  return startWorkerPool({ ...cfg, udpIo: resolveUdpIo(cfg.udpIo, log) }, count, feed, log);
}

export async function runServe(cfg: ServeConfig, stdout: Output, stop: Promise<unknown>): Promise<number> {
  if (cfg.manifests.length === 0) {
    throw new NotImplementedError('serving a live cluster (--kubeconfig / in-cluster) is not implemented yet; pass --manifests <file|dir>');
  }
  const log = createLogger(cfg.logLevel).child({ component: 'serve' });
  const objects = await loadManifests(cfg.manifests);
  const workers = workerCount(cfg.workers);
  // With zone transfers or --dns-rt-priority, the pool runs even for one worker (worker-pool.ts).
  const running = usesPool(cfg, workers) ? await startWorkers(cfg, objects, workers, log) : await startInProcess(cfg, objects, log);
  const where = formatHostPort(parseHostPort(cfg.dnsListen).host, running.port);
  stdout.write(`dns listening on udp+tcp ${where}${threadsNote(running)}\n`);
  await stop;
  await running.close();
  log.info('stopped');
  return 0;
}
