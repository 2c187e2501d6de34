/**
 * @module startLocalApi: the embedded Kubernetes-compatible API server. Wires credentials,
 * the store (with a write-ahead log when a data dir is given), the registry, the garbage
 * collector and the HTTPS listener, and writes a kubeconfig for kubectl and client-node.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { silentLogger, type Logger } from '../../log.ts';
import { lockDataDir, type DataLock } from './data-lock.ts';
import { DEFAULT_EVENT_TTL_MS, EventExpiry } from './event-ttl.ts';
import { GarbageCollector } from './gc.ts';
import { DEFAULT_MAX_BODY } from './http.ts';
import { CONTEXT_NAME, writeKubeconfig } from './kubeconfig.ts';
import { Registry } from './registry.ts';
import { directBackend, type PodBackend } from './pod-backend.ts';
import { apiMetrics } from './metrics.ts';
import { authorized, requestListener } from './server.ts';
import { upgradeHandler } from './upgrade.ts';
import { listenLoopback } from './loopback.ts';
import { LoopbackKubeConfig } from '../../kube/loopback.ts';
import { bootstrap } from './bootstrap.ts';
import { Store } from './store.ts';
import { loadOrCreateCredentials } from './tls.ts';
import { FileWal } from './wal.ts';

export { Store } from './store.ts';
export type { KObject, StoreEvent } from './store.ts';
export { RESOURCES, findResource, resourceId, apiVersionOf, type ResourceInfo } from './resources.ts';

export interface LocalApiOptions {
  /** `host:port`; default `127.0.0.1:6443`; port 0 picks a free port. */
  listen?: string;
  /** Allow a non-loopback listen address (the cluster then trusts anyone holding the token). */
  bindAny?: boolean;
  /** Persist state, credentials and the kubeconfig here; without it, state is in memory only. */
  dataDir?: string;
  /** Where to write the kubeconfig; default `<dataDir>/kubeconfig` or a temp dir. */
  kubeconfigPath?: string;
  log?: Logger;
  maxBodyBytes?: number;
  /** Interval of BOOKMARK events on watches that allow them (upstream: about a minute). */
  bookmarkIntervalMs?: number;
  /** Events kept for watches before compaction (default 10,000). */
  historyLimit?: number;
  /** How long an Event lives after its last write (kube-apiserver `--event-ttl`, default 1h); 0 keeps them. */
  eventTtlMs?: number;
  /**
   * Compact the watch history this often (default 5 min; 0: by size only). As kube-apiserver's
   * compactor (`--etcd-compaction-interval`), each tick forgets what was there at the tick
   * before, so watches can resume from 1 to 2 intervals back; older ones get 410 Gone and relist.
   * Without it, the history grew for as long as it took the churn to write 10,000 events, and
   * the heap with it.
   */
  compactionIntervalMs?: number;
}

export interface LocalApi {
  url: string;
  host: string;
  port: number;
  token: string;
  caPem: string;
  kubeconfigPath: string;
  /** For clients in this process: the loopback socket where there is one; `exportConfig()` gives the TLS kubeconfig. */
  kubeConfig(): KubeConfig;
  store: Store;
  registry: Registry;
  /** Plug in the nodes' side of proxy, logs, exec, attach and port-forward (the simulated runtime). */
  setPodBackend(backend: PodBackend): void;
  close(): Promise<void>;
}

/** kube-apiserver's `--etcd-compaction-interval`. */
export const DEFAULT_COMPACTION_INTERVAL_MS = 300_000;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function parseListen(listen: string, bindAny: boolean): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!m) throw new Error(`invalid listen address "${listen}": want host:port, e.g. 127.0.0.1:6443`);
  const host = m[1] ?? (m[2] || '127.0.0.1');
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid listen port ${port}: must be 0-65535`);
  if (!bindAny && !LOOPBACK.has(host)) throw new Error(`refusing to listen on non-loopback address ${host} without bindAny`);
  return { host, port };
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startLocalApi(opts: LocalApiOptions = {}): Promise<LocalApi> {
  const log = (opts.log ?? silentLogger()).child({ component: 'local-api' });
  const { host, port } = parseListen(opts.listen ?? '127.0.0.1:6443', opts.bindAny ?? false);
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const lock = opts.dataDir ? lockDataDir(opts.dataDir) : undefined;
  try {
    return await start(opts, log, host, port, lock);
  } catch (err) {
    lock?.release();
    throw err;
  }
}

async function start(opts: LocalApiOptions, log: Logger, host: string, port: number, lock: DataLock | undefined): Promise<LocalApi> {
  const creds = loadOrCreateCredentials(opts.dataDir);
  const wal = opts.dataDir ? new FileWal(opts.dataDir) : undefined;
  const store = new Store({ historyLimit: opts.historyLimit, wal });
  const registry = new Registry(store);
  bootstrap(registry);
  const gc = new GarbageCollector(registry, log);
  const eventTtlMs = opts.eventTtlMs ?? DEFAULT_EVENT_TTL_MS;
  const expiry = eventTtlMs > 0 ? new EventExpiry(store, eventTtlMs, log) : undefined;
  const compactionMs = opts.compactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
  let seenRv = store.currentRv();
  const compactor = compactionMs > 0 ? setInterval(() => { store.compactTo(seenRv); seenRv = store.currentRv(); }, compactionMs) : undefined;
  compactor?.unref();
  const pods = { backend: directBackend };
  let address = '';
  const ctx = {
    reg: registry, pods, maxBody: opts.maxBodyBytes ?? DEFAULT_MAX_BODY, bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
    token: creds.token, log, serverAddress: () => address, metrics: apiMetrics(store),
  };
  const server: Server = createServer({ cert: creds.certPem, key: creds.keyPem, ca: creds.caPem }, requestListener(ctx));
  const upgrades = upgradeHandler(ctx, (req) => authorized(req, creds.token));
  server.on('upgrade', upgrades.onUpgrade);
  server.on('clientError', (_err, socket) => { socket.destroy(); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const loopback = await listenLoopback(requestListener(ctx), upgrades.onUpgrade, opts.dataDir);
  if (!loopback) log.warn({}, 'no loopback socket for in-process clients; they use the TLS listener');
  const boundPort = (server.address() as { port: number }).port;
  address = `${urlHost(host)}:${boundPort}`;
  const url = `https://${address}`;
  // An in-memory server with nowhere to put its kubeconfig gets a temporary directory, which it
  // removes on close (the credentials in it are this process's only).
  const scratch = opts.kubeconfigPath === undefined && opts.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'ordinal-api-')) : undefined;
  const kubeconfigPath = opts.kubeconfigPath ?? join(opts.dataDir ?? scratch!, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, url, creds.caPem, creds.token);
  log.info({ url, kubeconfig: kubeconfigPath, persistent: Boolean(opts.dataDir) }, 'local API server listening');
  const tlsKubeConfig = (): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: CONTEXT_NAME, server: url, caData: Buffer.from(creds.caPem).toString('base64'), skipTLSVerify: false }],
      users: [{ name: CONTEXT_NAME, token: creds.token }],
      contexts: [{ name: CONTEXT_NAME, cluster: CONTEXT_NAME, user: CONTEXT_NAME, namespace: 'default' }],
      currentContext: CONTEXT_NAME,
    });
    return kc;
  };
  return {
    url, host, port: boundPort, token: creds.token, caPem: creds.caPem, kubeconfigPath, store, registry,
    setPodBackend: (backend) => { pods.backend = backend; },
    kubeConfig: () => {
      const external = tlsKubeConfig();
      return loopback ? new LoopbackKubeConfig(loopback.socketPath, creds.token, external) : external;
    },
    close: async () => {
      gc.stop();
      expiry?.stop();
      clearInterval(compactor);
      upgrades.close();
      server.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), loopback?.close()]);
      store.close();
      lock?.release();
      if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    },
  };
}
