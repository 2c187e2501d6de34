/**
 * @module `ordinal local`: the whole StatefulSet story on a laptop with no cluster. It starts
 * the embedded API server, the simulated nodes and the cluster controllers around it, then
 * `ordinal serve --controller` against that API in the same process, loads the manifests
 * (the book's kubia example by default) and prints the pods' progress.
 */
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { fileURLToPath } from 'node:url';
import { formatHostPort, parseHostPort } from '../dns/address.ts';
import type { Logger } from '../log.ts';
import type { LocalOptions, ServeConfig } from './config.ts';
import { startLocalStack } from './local-stack.ts';
import { startMemoryReducer } from './memory.ts';
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
export async function applyManifests(client: KubernetesObjectApi, objects: readonly object[], out: Output): Promise<void> {
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

export async function runLocal(cfg: ServeConfig, local: LocalOptions, out: Output, stop: Promise<unknown>, log: Logger): Promise<number> {
  const files = cfg.manifests.length > 0 ? cfg.manifests : [DEFAULT_EXAMPLE];
  const objects = await loadManifests(files);
  const stack = await startLocalStack(cfg, local, log);
  const { api, live, dataDir, nodes, dnsAt } = stack;
  const stoppers: Array<{ stop(): Promise<void> }> = [];
  const reducer = startMemoryReducer(local.memoryReduceIntervalMs, log.child({ component: 'memory' }));
  stoppers.push({ stop: async () => reducer.stop() });
  try {
    const kc = api.kubeConfig();
    out.write([
      `ordinal local: API ${api.url}, DNS ${dnsAt} (udp+tcp), metrics http://${formatHostPort(live.http.address, live.http.port)}/metrics`,
      `nodes: ${nodes.join(', ')}; data in ${dataDir}`,
      `to use kubectl:  export KUBECONFIG=${api.kubeconfigPath}`,
      `to query DNS:    dig @${parseHostPort(dnsAt).host} -p ${live.dns.port} +short kubia-0.kubia.default.svc.${cfg.zones[0]}`,
      'to reach a pod:  kubectl proxy    (in another terminal), then',
      '                 curl localhost:8001/api/v1/namespaces/default/pods/kubia-0/proxy/',
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
    await stack.stop();
  }
}
