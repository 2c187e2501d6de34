/**
 * A short load run on the embedded API: 120 pods behind one headless Service with at most 50
 * endpoints per slice. Checks convergence, slice sizing and that one pod's change rewrites
 * exactly one slice; prints the timings it measured.
 */
import { CoreV1Api, DiscoveryV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { READY_ANNOTATION, startEndpointSliceController, startSimNodes, type Stoppable } from '../../../src/local/sim/index.ts';
import { MERGE_PATCH } from '../../../src/local/sim/kube-io.ts';
import { createNamespace, localCluster, sleep, waitFor, type TestCluster } from './cluster.ts';

const PODS = 120;
const MAX = 50;

describe('simulator at 120 pods', () => {
  let cluster: TestCluster;
  let kc: KubeConfig;
  const stops: Stoppable[] = [];
  const ns = 'scale';

  beforeAll(async () => {
    cluster = await localCluster();
    kc = cluster.kc;
    await createNamespace(kc, ns);
    stops.push(await startSimNodes(kc, { nodes: ['s-0', 's-1', 's-2'], readyDelayMs: 50, heartbeatMs: 1000, log: silentLogger() }));
    stops.push(await startEndpointSliceController(kc, { maxEndpointsPerSlice: MAX, log: silentLogger() }));
  });
  afterAll(async () => {
    for (const s of stops.reverse()) await s.stop();
    await cluster?.close();
  });

  it('converges, fills slices to the maximum, and rewrites only the slice that changed', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'web' }, spec: { clusterIP: 'None', selector: { app: 'web' } } } });
    const t0 = Date.now();
    for (let i = 0; i < PODS; i++) {
      await core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: `web-${i}`, labels: { app: 'web' } }, spec: { hostname: `web-${i}`, subdomain: 'web', containers: [{ name: 'c', image: 'x' }] } },
      });
    }
    const created = Date.now() - t0;
    await waitFor(
      'all pods Ready',
      async () => {
        const items = (await core.listNamespacedPod({ namespace: ns })).items;
        return items.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      },
      30_000,
    );
    const podsReady = Date.now() - t0;
    const slices = await waitFor(
      'all endpoints ready',
      async () => {
        const list = (await discovery.listNamespacedEndpointSlice({ namespace: ns })).items;
        const eps = list.flatMap((s) => s.endpoints ?? []);
        return eps.length === PODS && eps.every((e) => e.conditions?.ready) && list;
      },
      30_000,
    );
    const converged = Date.now() - t0;
    expect(slices.map((s) => s.endpoints?.length ?? 0).sort((a, b) => b - a)).toEqual([50, 50, 20]);
    const pods = (await core.listNamespacedPod({ namespace: ns })).items;
    expect(new Set(pods.map((p) => p.status?.podIP)).size).toBe(PODS);
    expect(['s-0', 's-1', 's-2'].map((n) => pods.filter((p) => p.spec?.nodeName === n).length)).toEqual([40, 40, 40]);

    const before = new Map(slices.map((s) => [s.metadata?.name, s.metadata?.resourceVersion]));
    await core.patchNamespacedPod({ name: 'web-7', namespace: ns, body: { metadata: { annotations: { [READY_ANNOTATION]: 'false' } } } }, MERGE_PATCH);
    const t1 = Date.now();
    await waitFor('web-7 unready in its slice', async () => {
      const list = (await discovery.listNamespacedEndpointSlice({ namespace: ns })).items;
      return list.flatMap((s) => s.endpoints ?? []).find((e) => e.targetRef?.name === 'web-7')?.conditions?.ready === false;
    });
    const flipped = Date.now() - t1;
    await sleep(300);
    const after = (await discovery.listNamespacedEndpointSlice({ namespace: ns })).items;
    const changed = after.filter((s) => before.get(s.metadata?.name) !== s.metadata?.resourceVersion);
    expect(changed).toHaveLength(1);
    console.log(`sim scale: ${PODS} pods created in ${created} ms, all Ready after ${podsReady} ms, all ready in slices after ${converged} ms; one readiness flip reflected in ${flipped} ms`);
  });
});
