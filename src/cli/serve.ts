/**
 * @module `ordinal serve --manifests ...`: a static zone from files, served over UDP+TCP,
 * in-process or in `--workers N` threads, until `stop` resolves (SIGINT/SIGTERM in main.ts).
 */
import { Worker } from 'node:worker_threads';
import { formatHostPort, parseHostPort } from '../dns/address.ts';
import { startDnsServer } from '../dns/server.ts';
import { createLogger, type Logger } from '../log.ts';
import type { ServeConfig } from './config.ts';
import { transferConfig } from './transfer.ts';
import type { WorkerInit, WorkerMessage } from './dns-worker.ts';
import { loadManifests } from './manifests.ts';
import { buildStaticZone } from './static-zone.ts';

export interface Output {
  write(text: string): void;
}

export class NotImplementedError extends Error {}

interface Running { readonly port: number; close(): Promise<void> }

async function startInProcess(cfg: ServeConfig, objects: object[], log: Logger): Promise<Running> {
  const { source, applied, skipped } = buildStaticZone(cfg, objects);
  log.info({ applied, skipped }, 'zone built from manifests');
  return startDnsServer({
    listen: cfg.dnsListen, source, log, maxUdpSize: cfg.maxUdpSize, tcpIdleTimeoutMs: cfg.tcpIdleTimeoutMs,
    tcpMaxConnections: cfg.tcpMaxConnections, cacheSize: cfg.cacheSize, transfer: transferConfig(cfg),
  });
}

function startWorker(init: WorkerInit): Promise<{ worker: Worker; port: number }> {
  // Same extension as this module: .ts when run from source, .js from the dist/ build
  // (tsc rewrites import specifiers, not URL strings).
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const worker = new Worker(new URL(`./dns-worker${ext}`, import.meta.url), { workerData: init });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`dns worker ${init.index} exited with code ${code}`)));
    worker.once('message', (m: WorkerMessage) => {
      if (m.type === 'listening') resolve({ worker, port: m.port });
      else reject(new Error(m.message));
    });
  });
}

/** N threads on one port: the first picks the port (when 0), the rest join it with SO_REUSEPORT. */
async function startWorkers(cfg: ServeConfig): Promise<Running> {
  const workers: Worker[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(workers.map((w) => new Promise<void>((done) => {
      w.once('exit', () => done());
      w.postMessage('stop');
      setTimeout(() => void w.terminate(), 2000).unref();
    })));
  };
  try {
    const first = await startWorker({ cfg, port: parseHostPort(cfg.dnsListen).port, index: 0 });
    workers.push(first.worker);
    for (let i = 1; i < cfg.workers; i++) workers.push((await startWorker({ cfg, port: first.port, index: i })).worker);
    return { port: first.port, close: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export async function runServe(cfg: ServeConfig, stdout: Output, stop: Promise<unknown>): Promise<number> {
  if (cfg.manifests.length === 0) {
    throw new NotImplementedError('serving a live cluster (--kubeconfig / in-cluster) is not implemented yet; pass --manifests <file|dir>');
  }
  const log = createLogger(cfg.logLevel).child({ component: 'serve' });
  const objects = await loadManifests(cfg.manifests);
  const running = cfg.workers > 1 ? await startWorkers(cfg) : await startInProcess(cfg, objects, log);
  const where = formatHostPort(parseHostPort(cfg.dnsListen).host, running.port);
  stdout.write(`dns listening on udp+tcp ${where}${cfg.workers > 1 ? ` (${cfg.workers} workers)` : ''}\n`);
  await stop;
  await running.close();
  log.info('stopped');
  return 0;
}
