/**
 * @module Entry point of one `--workers N` DNS worker thread. Each worker loads the same
 * manifests, builds its own zone and owns its own UDP and TCP sockets on the shared port
 * (SO_REUSEPORT: the kernel spreads packets and connections across the workers).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { formatHostPort, parseHostPort } from '../dns/address.ts';
import { startDnsServer } from '../dns/server.ts';
import { createLogger } from '../log.ts';
import type { ServeConfig } from './config.ts';
import { transferConfig } from './transfer.ts';
import { loadManifests } from './manifests.ts';
import { buildStaticZone } from './static-zone.ts';

export interface WorkerInit { readonly cfg: ServeConfig; readonly port: number; readonly index: number }
export type WorkerMessage = { type: 'listening'; port: number } | { type: 'error'; message: string };

async function run(init: WorkerInit): Promise<void> {
  const log = createLogger(init.cfg.logLevel).child({ worker: init.index });
  const { host } = parseHostPort(init.cfg.dnsListen);
  const { source } = buildStaticZone(init.cfg, await loadManifests(init.cfg.manifests));
  const server = await startDnsServer({
    listen: formatHostPort(host, init.port), source, log, reusePort: true, maxUdpSize: init.cfg.maxUdpSize,
    tcpIdleTimeoutMs: init.cfg.tcpIdleTimeoutMs, tcpMaxConnections: init.cfg.tcpMaxConnections, cacheSize: init.cfg.cacheSize,
    // Every worker serves transfers; only the first sends NOTIFYs.
    transfer: transferConfig(init.cfg, init.index === 0),
  });
  parentPort?.on('message', (m: unknown) => {
    if (m === 'stop') void server.close().then(() => parentPort?.close());
  });
  parentPort?.postMessage({ type: 'listening', port: server.port } satisfies WorkerMessage);
}

if (parentPort) {
  run(workerData as WorkerInit).catch((err: unknown) => {
    parentPort?.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies WorkerMessage);
  });
}
