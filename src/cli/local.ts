/**
 * @module `ordinal local`: the whole StatefulSet story on a laptop with no cluster. It starts
 * the embedded API server, the simulated nodes and the cluster controllers around it, then
 * `ordinal serve --controller` against that API in the same process, loads the manifests
 * (the book's kubia example by default) and prints the pods' progress.
 */
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatHostPort, parseHostPort } from '../dns/address.ts';
import { startLocalApi } from '../local/api/index.ts';
import { startEndpointSliceController, startNodeLifecycle, startPvBinder, startSimNodes } from '../local/sim/index.ts';
import { pooled } from '../kube/pooled.ts';
import type { Logger } from '../log.ts';
import type { LocalOptions, ServeConfig } from './config.ts';
import { startLiveServe } from './live.ts';
import { describeObject, loadManifests } from './manifests.ts';
import { startProgress } from './progress.ts';
import type { Output } from './serve.ts';

export const DEFAULT_EXAMPLE = fileURLToPath(new URL('../../deploy/examples/kubia.yaml', import.meta.url));

/** Cluster-scoped prerequisites first, so that namespaced objects find their namespace. */
const ORDER: Record<string, number> = { Namespace: 0, PersistentVolume: 1, Service: 2 };

export function applyOrder(objects: readonly object[]): object[] {
  const rank = (o: object): number => ORDER[String((o as { kind?: unknown }).kind)] ?? 3;
  return [...objects].sort((a, b) => rank(a) - rank(b));
}

/** Create each object; one that already exists (a restart with the same data dir) is left as it is. */
async function applyManifests(client: KubernetesObjectApi, objects: readonly object[], out: Output): Promise<void> {
  for (const obj of applyOrder(objects)) {
    const spec = obj as KubernetesObject;
    spec.metadata ??= {};
    if (!spec.metadata.namespace && spec.kind !== 'Namespace' && spec.kind !== 'PersistentVolume' && spec.kind !== 'Node') {
      spec.metadata.namespace = 'default';
    }
    try {
      await client.create(spec);
      out.write(`created ${describeObject(obj)}\n`);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === 409) continue;
      throw new Error(`cannot create ${describeObject(obj)}: ${(err as { body?: string }).body ?? (err as Error).message}`);
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

export async function runLocal(cfg: ServeConfig, local: LocalOptions, out: Output, stop: Promise<unknown>, log: Logger): Promise<number> {
  const files = cfg.manifests.length > 0 ? cfg.manifests : [DEFAULT_EXAMPLE];
  const objects = await loadManifests(files);
  const dataDir = writableDataDir(resolve(local.dataDir));
  const api = await startLocalApi({ listen: local.apiListen, bindAny: local.apiBindAny, dataDir, log });
  const stoppers: Array<{ stop(): Promise<void> }> = [];
  try {
    const kc = api.kubeConfig();
    const nodes = Array.from({ length: local.nodes }, (_, i) => `node-${i}`);
    // Heartbeats must come well inside the grace period, or healthy nodes would look lost.
    const heartbeatMs = Math.min(10_000, Math.max(100, Math.floor(local.nodeGracePeriodMs / 4)));
    // The simulated components use client-node's typed clients: one shared pool, not a TLS
    // handshake per request (src/kube/pooled.ts).
    const simKc = pooled(kc);
    stoppers.push({ stop: () => simKc.release() });
    stoppers.push(await startSimNodes(simKc, { nodes, readyDelayMs: local.readyDelayMs, heartbeatMs, log, ipStatePath: join(dataDir, 'pod-ips.json') }));
    stoppers.push(await startNodeLifecycle(simKc, { gracePeriodMs: local.nodeGracePeriodMs, log }));
    stoppers.push(await startEndpointSliceController(simKc, { log }));
    stoppers.push(await startPvBinder(simKc, { log, dataDir }));
    const live = await startLiveServe({ ...cfg, manifests: [] }, kc, log, true);
    stoppers.push({ stop: () => live.close(500) });
    const dnsAt = formatHostPort(parseHostPort(cfg.dnsListen).host, live.dns.port);
    out.write([
      `ordinal local: API ${api.url}, DNS ${dnsAt} (udp+tcp), metrics http://${formatHostPort(live.http.address, live.http.port)}/metrics`,
      `nodes: ${nodes.join(', ')}; data in ${dataDir}`,
      `to use kubectl:  export KUBECONFIG=${api.kubeconfigPath}`,
      `to query DNS:    dig @${parseHostPort(dnsAt).host} -p ${live.dns.port} +short kubia-0.kubia.default.svc.${cfg.zones[0]}`,
      '',
    ].join('\n'));
    stoppers.push(startProgress(kc, cfg.zones[0] ?? 'cluster.local', out, log));
    await applyManifests(KubernetesObjectApi.makeApiClient(kc), objects, out);
    await stop;
    out.write('stopping\n');
    return 0;
  } finally {
    for (const s of stoppers.reverse()) {
      try {
        await s.stop();
      } catch (err) {
        log.warn({ err }, 'stop failed');
      }
    }
    await api.close();
  }
}
