/**
 * An embedded cluster for controller tests: the local API on 127.0.0.1 port 0, simulated nodes,
 * the node-lifecycle controller and the PV binder, plus helpers to run (and restart) StatefulSet
 * controller instances and to drive objects through the write API.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { pooled } from '../../../src/kube/pooled.ts';
import { startLocalApi, type LocalApi } from '../../../src/local/api/index.ts';
import { startNodeLifecycle, startPvBinder, startSimNodes, type Stoppable } from '../../../src/local/sim/index.ts';
import { startStatefulSetController, type ControllerOptions } from '../../../src/controller/statefulset.ts';
import { kubeApi, paths, type Api } from '../../../src/controller/rest.ts';
import { silentLogger } from '../../../src/log.ts';

export interface SimClusterOptions {
  nodes?: string[];
  readyDelayMs?: number;
  heartbeatMs?: number;
  gracePeriodMs?: number;
  shutdownMs?: number;
  /** Persist the API's state here (write-ahead log, fsync per acknowledged write); default in memory. */
  dataDir?: string;
}

export interface SimCluster {
  local: LocalApi;
  kc: KubeConfig;
  api: Api;
  nodes: string[];
  close(): Promise<void>;
}

export async function startSimCluster(o: SimClusterOptions = {}): Promise<SimCluster> {
  const log = silentLogger();
  const local = await startLocalApi({ listen: '127.0.0.1:0', log, dataDir: o.dataDir });
  const kc = local.kubeConfig();
  const simKc = pooled(kc);
  const nodes = o.nodes ?? ['node-0', 'node-1'];
  const stops: Stoppable[] = [];
  try {
    stops.push(await startSimNodes(simKc, { nodes, readyDelayMs: o.readyDelayMs ?? 30, heartbeatMs: o.heartbeatMs ?? 100, shutdownMs: o.shutdownMs ?? 20, log }));
    stops.push(await startNodeLifecycle(simKc, { gracePeriodMs: o.gracePeriodMs ?? 500, log }));
    stops.push(await startPvBinder(simKc, { log }));
  } catch (err) {
    for (const s of stops.reverse()) await s.stop();
    await simKc.release();
    await local.close();
    throw err;
  }
  return {
    local, kc, api: kubeApi(kc), nodes,
    async close() {
      for (const s of stops.reverse()) await s.stop();
      await simKc.release();
      await local.close();
    },
  };
}

export type Controller = ReturnType<typeof startStatefulSetController>;

export function startController(kc: KubeConfig, opts: Partial<ControllerOptions> = {}): Controller {
  return startStatefulSetController(kc, { log: silentLogger(), resyncMs: 2_000, ...opts });
}

/** Poll `fn` until it returns a value other than undefined/false; the timeout error names `what` and the last value. */
export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function createNamespace(api: Api, name: string): Promise<void> {
  await api.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

export interface SetShape {
  name: string;
  namespace: string;
  replicas: number;
  policy: 'OrderedReady' | 'Parallel';
  image?: string;
  maxUnavailable?: number;
  claims?: boolean;
  nodeSelector?: Record<string, string>;
}

/** A StatefulSet manifest as a user would apply it (no status, no uid). */
export function setManifest(s: SetShape): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name: s.name, namespace: s.namespace },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: { app: s.name } },
      serviceName: s.name,
      podManagementPolicy: s.policy,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: s.maxUnavailable ?? 1 } },
      template: {
        metadata: { labels: { app: s.name } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: s.image ?? 'app:0' }], ...(s.nodeSelector ? { nodeSelector: s.nodeSelector } : {}) },
      },
      volumeClaimTemplates: s.claims === false ? [] : [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
}

export const setImage = (api: Api, ns: string, name: string, image: string): Promise<unknown> =>
  api.mergePatch(paths.set(ns, name), { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } });

export const scaleSet = (api: Api, ns: string, name: string, replicas: number): Promise<unknown> =>
  api.mergePatch(paths.set(ns, name), { spec: { replicas } });
