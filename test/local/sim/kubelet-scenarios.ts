/**
 * Scenarios for the simulated kubelets and the node-lifecycle controller, parameterised by a
 * cluster factory so they run against the embedded API and against a real kube-apiserver.
 */
import { CoordinationV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { LOST_ANNOTATION, READY_ANNOTATION, startNodeLifecycle, startSimNodes, type Stoppable } from '../../../src/local/sim/index.ts';
import { MERGE_PATCH } from '../../../src/local/sim/kube-io.ts';
import { createNamespace, sleep, waitFor, type ClusterFactory, type TestCluster } from './cluster.ts';

const NODES = ['sim-0', 'sim-1', 'sim-2'];
const READY_DELAY = 300;
const GRACE = 1000;

export function kubeletScenarios(name: string, factory: ClusterFactory): void {
  describe(name, () => {
    let cluster: TestCluster;
    let kc: KubeConfig;
    let core: CoreV1Api;
    const stops: Stoppable[] = [];
    const ns = 'sim-kubelet';

    beforeAll(async () => {
      cluster = await factory();
      kc = cluster.kc;
      core = kc.makeApiClient(CoreV1Api);
      await createNamespace(kc, ns);
      stops.push(await startSimNodes(kc, { nodes: NODES, podCIDR: '10.244.0.0/16', readyDelayMs: READY_DELAY, heartbeatMs: 200, shutdownMs: 200, log: silentLogger() }));
      stops.push(await startNodeLifecycle(kc, { gracePeriodMs: GRACE, log: silentLogger() }));
    });
    afterAll(async () => {
      for (const s of stops.reverse()) await s.stop();
      await cluster?.close();
    });

    const getPod = (n: string): Promise<V1Pod> => core.readNamespacedPod({ name: n, namespace: ns });
    const isReady = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    async function createPod(n: string, o: { node?: string; annotations?: Record<string, string> } = {}): Promise<void> {
      await core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: n, ...(o.annotations ? { annotations: o.annotations } : {}) },
          spec: { ...(o.node ? { nodeName: o.node } : {}), containers: [{ name: 'app', image: 'luksa/kubia-pet' }] },
        },
      });
    }
    const annotatePod = (n: string, v: string | null) =>
      core.patchNamespacedPod({ name: n, namespace: ns, body: { metadata: { annotations: { [READY_ANNOTATION]: v } } } }, MERGE_PATCH);
    const annotateNode = (n: string, v: string | null) => core.patchNode({ name: n, body: { metadata: { annotations: { [LOST_ANNOTATION]: v } } } }, MERGE_PATCH);

    it('registers the nodes: Ready, per-node pod CIDR, kubelet version, lease in kube-node-lease', async () => {
      const coord = kc.makeApiClient(CoordinationV1Api);
      for (const [i, n] of NODES.entries()) {
        const node = await waitFor(`${n} Ready`, async () => {
          const x = await core.readNode({ name: n });
          return x.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && x;
        });
        expect(node.spec?.podCIDR).toBe(`10.244.${i}.0/24`);
        expect(node.status?.nodeInfo?.kubeletVersion).toMatch(/^v1\./);
        expect(node.status?.addresses?.some((a) => a.type === 'InternalIP')).toBe(true);
        const lease = await coord.readNamespacedLease({ name: n, namespace: 'kube-node-lease' });
        expect(lease.spec?.holderIdentity).toBe(n);
      }
    });

    it('binds a pending pod, gives it an IP from its node CIDR, and makes it Ready after the delay', async () => {
      await createPod('web-0');
      let sawRunningUnready = false;
      const pod = await waitFor('web-0 Ready', async () => {
        const p = await getPod('web-0');
        if (p.status?.phase === 'Running' && !isReady(p)) sawRunningUnready = true;
        return isReady(p) && p;
      });
      expect(sawRunningUnready).toBe(true);
      const idx = NODES.indexOf(pod.spec?.nodeName ?? '');
      expect(idx).toBeGreaterThanOrEqual(0);
      expect(pod.status?.podIP).toMatch(new RegExp(`^10\\.244\\.${idx}\\.\\d+$`));
      expect(pod.status?.podIPs).toEqual([{ ip: pod.status?.podIP }]);
      expect(pod.status?.hostIP).toBeTruthy();
      expect(pod.status?.containerStatuses?.[0]).toMatchObject({ name: 'app', ready: true, restartCount: 0 });
      const types = (pod.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type);
      expect(types).toEqual(expect.arrayContaining(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']));
    });

    it('spreads pods over the least-loaded nodes with distinct IPs', async () => {
      for (const n of ['spread-0', 'spread-1', 'spread-2', 'spread-3', 'spread-4']) await createPod(n);
      const pods = await waitFor('all spread pods have IPs', async () => {
        const list = await core.listNamespacedPod({ namespace: ns });
        const items = list.items.filter((p) => p.metadata?.name?.startsWith('spread-') || p.metadata?.name === 'web-0');
        return items.every((p) => p.status?.podIP) && items.length === 6 && items;
      });
      const perNode = NODES.map((n) => pods.filter((p) => p.spec?.nodeName === n).length);
      expect(perNode).toEqual([2, 2, 2]);
      expect(new Set(pods.map((p) => p.status?.podIP)).size).toBe(6);
    });

    it('holds a pod unready while annotated ready=false, and follows the annotation both ways', async () => {
      await createPod('held', { annotations: { [READY_ANNOTATION]: 'false' } });
      await waitFor('held Running', async () => (await getPod('held')).status?.phase === 'Running');
      await sleep(READY_DELAY * 2);
      expect(isReady(await getPod('held'))).toBe(false);
      await annotatePod('held', null);
      await waitFor('held Ready after release', async () => isReady(await getPod('held')));
      await annotatePod('held', 'false');
      const p = await waitFor('held unready again', async () => {
        const x = await getPod('held');
        return !isReady(x) && x;
      });
      expect(p.status?.containerStatuses?.[0]?.ready).toBe(false);
    });

    it('finishes a graceful deletion after the simulated shutdown', async () => {
      await createPod('doomed');
      await waitFor('doomed Running', async () => (await getPod('doomed')).status?.phase === 'Running');
      await core.deleteNamespacedPod({ name: 'doomed', namespace: ns });
      const p = await getPod('doomed');
      expect(p.metadata?.deletionTimestamp).toBeTruthy(); // graceful: still there at first
      await waitFor('doomed gone', async () => getPod('doomed').then(() => false, (e: { code?: number }) => e.code === 404));
    });

    it('node lost: pods Unknown, delete leaves them Terminating with reason NodeLost, force delete removes them, node back finishes the rest', async () => {
      const node = 'sim-2';
      await createPod('lost-a', { node });
      await createPod('lost-b', { node });
      await waitFor('lost pods Ready', async () => isReady(await getPod('lost-a')) && isReady(await getPod('lost-b')));
      await annotateNode(node, 'true');
      const n = await waitFor('node Unknown', async () => {
        const x = await core.readNode({ name: node });
        return x.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown' && x;
      });
      expect(n.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
      await waitFor('unreachable taint', async () => (await core.readNode({ name: node })).spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable'));
      const a = await waitFor('lost-a Unknown', async () => {
        const x = await getPod('lost-a');
        return x.status?.phase === 'Unknown' && x;
      });
      expect(isReady(a)).toBe(false);
      expect(a.status?.reason).toBeUndefined();
      expect(a.status?.message).toBe(`Node ${node} which was running pod lost-a is unresponsive`);

      await core.deleteNamespacedPod({ name: 'lost-a', namespace: ns });
      await core.deleteNamespacedPod({ name: 'lost-b', namespace: ns });
      const stuck = await waitFor('lost-a NodeLost', async () => {
        const x = await getPod('lost-a');
        return x.status?.reason === 'NodeLost' && x;
      });
      expect(stuck.status?.phase).toBe('Unknown');
      await sleep(GRACE);
      expect((await getPod('lost-a')).metadata?.deletionTimestamp).toBeTruthy(); // stuck Terminating
      await core.deleteNamespacedPod({ name: 'lost-a', namespace: ns, gracePeriodSeconds: 0 });
      await waitFor('lost-a force-deleted', async () => getPod('lost-a').then(() => false, (e: { code?: number }) => e.code === 404));
      expect((await getPod('lost-b')).metadata?.deletionTimestamp).toBeTruthy();

      // A pod created on the lost node while it is lost gets reported once the node is back.
      await createPod('lost-c', { node });
      await annotateNode(node, null);
      await waitFor('node Ready again', async () => (await core.readNode({ name: node })).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
      await waitFor('lost-b deletion finished', async () => getPod('lost-b').then(() => false, (e: { code?: number }) => e.code === 404));
      const c = await waitFor('lost-c Ready', async () => {
        const x = await getPod('lost-c');
        return isReady(x) && x;
      });
      expect(c.status?.reason).toBeUndefined();
      await waitFor('taint removed', async () => !(await core.readNode({ name: node })).spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable'));
    });

    // Last: it removes a node for good.
    it('deleting the Node object of a lost node frees its Terminating pods', async () => {
      const node = 'sim-1';
      await createPod('orphan', { node });
      await waitFor('orphan Ready', async () => isReady(await getPod('orphan')));
      await annotateNode(node, 'true');
      await core.deleteNamespacedPod({ name: 'orphan', namespace: ns });
      await sleep(GRACE / 2);
      expect((await getPod('orphan')).metadata?.deletionTimestamp).toBeTruthy();
      await core.deleteNode({ name: node });
      await waitFor('orphan removed', async () => getPod('orphan').then(() => false, (e: { code?: number }) => e.code === 404), GRACE * 6);
    });
  });
}
