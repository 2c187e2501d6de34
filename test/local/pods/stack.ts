/**
 * The whole `ordinal local` stack in-process (src/cli/local-stack.ts) on port 0 and a temp data
 * dir, with the book's manifests loaded, for the running-pods suites.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubernetesObjectApi, type V1Pod } from '@kubernetes/client-node';
import { parseConfig } from '../../../src/cli/config.ts';
import { applyManifests, DEFAULT_EXAMPLE } from '../../../src/cli/local.ts';
import { startLocalStack, type LocalStack } from '../../../src/cli/local-stack.ts';
import { loadManifests } from '../../../src/cli/manifests.ts';
import { pooled } from '../../../src/kube/pooled.ts';
import { silentLogger } from '../../../src/log.ts';
import { waitFor } from '../sim/cluster.ts';

export interface PodsStack extends LocalStack {
  core: CoreV1Api;
  /** Wait until the pod is Running and Ready; returns it. */
  ready(name: string, namespace?: string): Promise<V1Pod>;
}

export async function startPodsStack(opts: { dataDir?: string; manifests?: string[]; args?: string[] } = {}): Promise<PodsStack> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'ordinal-pods-'));
  const cfg = parseConfig(['local', '--api-listen', '127.0.0.1:0', '--dns-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0',
    '--data-dir', dataDir, '--ready-delay', '100ms', '--log-level', 'silent', ...(opts.args ?? [])]);
  if (cfg.command !== 'local') throw new Error('unreachable');
  const stack = await startLocalStack(cfg.serve, cfg.local, silentLogger());
  // Pooled, as the product's own clients are: client-node's typed clients otherwise open a TLS
  // connection, and leave an undici Agent behind, per request (src/kube/pooled.ts).
  const kc = pooled(stack.api.kubeConfig());
  const core = kc.makeApiClient(CoreV1Api);
  const objects = await loadManifests(opts.manifests ?? [DEFAULT_EXAMPLE]);
  await applyManifests(KubernetesObjectApi.makeApiClient(kc), objects, { write: () => true });
  const ready = (name: string, namespace = 'default'): Promise<V1Pod> =>
    waitFor(`${namespace}/${name} Ready`, async () => {
      const p = await core.readNamespacedPod({ name, namespace });
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !p.metadata?.deletionTimestamp ? p : undefined;
    }, 20_000);
  return { ...stack, core, ready };
}
