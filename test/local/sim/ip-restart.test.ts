/**
 * With `ipStatePath`, a restarted simulator gives each pod the IP it handed out before, even
 * when the pod's status no longer shows it, and never gives that IP to another pod.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { startSimNodes } from '../../../src/local/sim/index.ts';
import { MERGE_PATCH } from '../../../src/local/sim/kube-io.ts';
import { createNamespace, localCluster, waitFor, type TestCluster } from './cluster.ts';

describe('pod IPs across a simulator restart', () => {
  let cluster: TestCluster;
  let dir: string;
  beforeAll(async () => {
    cluster = await localCluster();
    dir = await mkdtemp(join(tmpdir(), 'sim-ips-'));
  });
  afterAll(async () => {
    await cluster?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('same pod UID, same IP; the remembered IP is not reused', async () => {
    const kc = cluster.kc;
    const core = kc.makeApiClient(CoreV1Api);
    const ns = 'ips';
    await createNamespace(kc, ns);
    const opts = { nodes: ['r-0'], readyDelayMs: 50, heartbeatMs: 1000, log: silentLogger(), ipStatePath: join(dir, 'ips.json') };
    const ipOf = async (name: string): Promise<string | undefined> => (await core.readNamespacedPod({ name, namespace: ns })).status?.podIP;
    const create = (name: string) => core.createNamespacedPod({ namespace: ns, body: { metadata: { name }, spec: { nodeName: 'r-0', containers: [{ name: 'c', image: 'x' }] } } });

    let sim = await startSimNodes(kc, opts);
    await create('first');
    const before = await waitFor('first has an IP', () => ipOf('first'));
    await sim.stop();

    // The pod's reported address is gone (as if its status had been rewritten) and a new pod
    // competes for addresses when the simulator comes back.
    await core.patchNamespacedPodStatus({ name: 'first', namespace: ns, body: { status: { podIP: null, podIPs: null } } }, MERGE_PATCH);
    expect(await ipOf('first')).toBeUndefined();
    await create('a-rival'); // sorts, so it is synced, before 'first'
    sim = await startSimNodes(kc, opts);
    try {
      const again = await waitFor('first re-reported', () => ipOf('first'));
      const other = await waitFor('a-rival has an IP', () => ipOf('a-rival'));
      expect(again).toBe(before);
      expect(other).not.toBe(before);
    } finally {
      await sim.stop();
    }
  });
});
