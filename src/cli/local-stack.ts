/**
 * @module The parts of `ordinal local` that run together, started in order and stopped in
 * reverse: the embedded API, the container runtime and its pod network, the simulated nodes,
 * node lifecycle, EndpointSlices, the PV binder, then DNS and the StatefulSet controller.
 * `runLocal` prints and loads manifests around it; tests start the same stack in-process.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { formatHostPort, parseHostPort } from '../dns/address.ts';
import { pooled } from '../kube/pooled.ts';
import { startLocalApi, type LocalApi } from '../local/api/index.ts';
import { startEndpointSliceController, startNodeLifecycle, startPvBinder, startSimNodes } from '../local/sim/index.ts';
import { createPodNetwork } from '../local/sim/runtime/network.ts';
import { createRuntime, type ContainerRuntime } from '../local/sim/runtime/runtime.ts';
import type { Logger } from '../log.ts';
import type { LocalOptions, ServeConfig } from './config.ts';
import { startLiveServe, type LiveServe } from './live.ts';

export interface LocalStack {
  api: LocalApi;
  runtime: ContainerRuntime;
  live: LiveServe;
  dataDir: string;
  nodes: string[];
  /** DNS as `host:port` (what pods use as their nameserver). */
  dnsAt: string;
  stop(): Promise<void>;
}

interface Stopper {
  stop(): Promise<void>;
}

async function stopAll(stoppers: Stopper[], log: Logger): Promise<void> {
  for (const s of [...stoppers].reverse()) {
    try {
      await s.stop();
    } catch (err) {
      log.warn({ err }, 'stop failed');
    }
  }
}

/**
 * The data dir must be writable before anything starts: on a read-only root filesystem (a
 * container) the default `.ordinal` under the working directory is not, and the user needs the
 * flag's name, not a stack trace from deep inside the store.
 */
function writableDataDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
    return dir;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`data dir ${dir} is not writable (${code}): set --data-dir to a writable directory, e.g. --data-dir /tmp/ordinal`);
  }
}

/**
 * The embedded controller's Lease identity, the same for every start on this data dir. The data
 * dir's lock (local/api/data-lock.ts) makes it one process's at a time, so after a kill -9 the
 * next start takes its own Lease back at once. A new identity per start, as kube-controller-manager
 * has, would leave every StatefulSet unreconciled until the dead holder's 15-s lease ran out (the
 * soak's kill -9 faults took 11 s to reconverge, all of it that wait).
 */
export function controllerIdentity(dataDir: string): string {
  return `${hostname()}_ordinal-local_${createHash('sha256').update(dataDir).digest('hex').slice(0, 10)}`;
}

export async function startLocalStack(cfg: ServeConfig, local: LocalOptions, log: Logger): Promise<LocalStack> {
  const dataDir = writableDataDir(resolve(local.dataDir));
  const api = await startLocalApi({ listen: local.apiListen, bindAny: local.apiBindAny, dataDir, log, eventTtlMs: local.eventTtlMs, compactionIntervalMs: local.compactionIntervalMs });
  const stoppers: Stopper[] = [{ stop: () => api.close() }];
  try {
    const kc = api.kubeConfig();
    const nodes = Array.from({ length: local.nodes }, (_, i) => `node-${i}`);
    // Heartbeats must come well inside the grace period, or healthy nodes would look lost.
    const heartbeatMs = Math.min(10_000, Math.max(100, Math.floor(local.nodeGracePeriodMs / 4)));
    // The simulated components use client-node's typed clients: one shared pool, not a TLS
    // handshake per request (src/kube/pooled.ts).
    const simKc = pooled(kc);
    stoppers.push({ stop: () => simKc.release() });
    // The pods' containers run in this process; their DNS is ordinal's own, once it listens.
    let dnsServer: string | undefined = undefined;
    const runtime = createRuntime({ rootDir: dataDir, network: createPodNetwork(), dnsServer: () => dnsServer, zone: cfg.zones[0] ?? 'cluster.local', log });
    stoppers.push({ stop: () => runtime.stopAll() });
    api.setPodBackend(runtime);
    stoppers.push(await startSimNodes(simKc, { nodes, readyDelayMs: local.readyDelayMs, heartbeatMs, log, ipStatePath: join(dataDir, 'pod-ips.json'), runtime, dataDir }));
    stoppers.push(await startNodeLifecycle(simKc, { gracePeriodMs: local.nodeGracePeriodMs, log }));
    stoppers.push(await startEndpointSliceController(simKc, { log }));
    stoppers.push(await startPvBinder(simKc, { log, dataDir }));
    const live = await startLiveServe({ ...cfg, manifests: [] }, kc, log, controllerIdentity(dataDir));
    stoppers.push({ stop: () => live.close(500) });
    const dnsAt = formatHostPort(parseHostPort(cfg.dnsListen).host, live.dns.port);
    dnsServer = dnsAt.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
    return { api, runtime, live, dataDir, nodes, dnsAt, stop: () => stopAll(stoppers, log) };
  } catch (err) {
    await stopAll(stoppers, log);
    throw err;
  }
}
