/**
 * EndpointSlice controller scenarios over a cluster factory (embedded API or real apiserver),
 * with the simulated kubelets providing IPs and readiness.
 */
import { CoreV1Api, DiscoveryV1Api, type KubeConfig, type V1Endpoint, type V1EndpointSlice } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { READY_ANNOTATION, startEndpointSliceController, startSimNodes, type Stoppable } from '../../../src/local/sim/index.ts';
import { MERGE_PATCH } from '../../../src/local/sim/kube-io.ts';
import { createNamespace, sleep, waitFor, type ClusterFactory, type TestCluster } from './cluster.ts';

export function endpointSliceScenarios(name: string, factory: ClusterFactory, opts: { startController: boolean } = { startController: true }): void {
  describe(name, () => {
    let cluster: TestCluster;
    let kc: KubeConfig;
    let core: CoreV1Api;
    let discovery: DiscoveryV1Api;
    const stops: Stoppable[] = [];
    const ns = 'sim-eps';

    beforeAll(async () => {
      cluster = await factory();
      kc = cluster.kc;
      core = kc.makeApiClient(CoreV1Api);
      discovery = kc.makeApiClient(DiscoveryV1Api);
      await createNamespace(kc, ns);
      stops.push(await startSimNodes(kc, { nodes: ['eps-0', 'eps-1'], readyDelayMs: 100, heartbeatMs: 500, shutdownMs: 300, log: silentLogger() }));
      if (opts.startController) stops.push(await startEndpointSliceController(kc, { log: silentLogger(), maxEndpointsPerSlice: 100 }));
    });
    afterAll(async () => {
      for (const s of stops.reverse()) await s.stop();
      await cluster?.close();
    });

    async function slicesOf(svc: string): Promise<V1EndpointSlice[]> {
      const list = await discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: `kubernetes.io/service-name=${svc}` });
      return list.items;
    }
    async function endpointsOf(svc: string): Promise<V1Endpoint[]> {
      return (await slicesOf(svc)).flatMap((s) => s.endpoints ?? []);
    }
    const byPod = async (svc: string, pod: string): Promise<V1Endpoint | undefined> => (await endpointsOf(svc)).find((e) => e.targetRef?.name === pod);
    async function createPod(n: string, subdomain: string, annotations?: Record<string, string>): Promise<void> {
      await core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: n, labels: { app: 'kubia' }, ...(annotations ? { annotations } : {}) },
          spec: { hostname: n, subdomain, containers: [{ name: 'kubia', image: 'luksa/kubia-pet', ports: [{ name: 'http', containerPort: 8080 }] }] },
        },
      });
    }

    it('a headless Service gets a labelled, owned slice with hostnames, ports and ready endpoints', async () => {
      const svc = await core.createNamespacedService({
        namespace: ns,
        body: { metadata: { name: 'kubia' }, spec: { clusterIP: 'None', selector: { app: 'kubia' }, ports: [{ name: 'http', port: 80, targetPort: 'http' as unknown as number }] } },
      });
      await createPod('kubia-0', 'kubia');
      await createPod('kubia-1', 'kubia');
      await createPod('other-sub', 'elsewhere');
      const eps = await waitFor('3 ready endpoints', async () => {
        const e = await endpointsOf('kubia');
        return e.length === 3 && e.every((x) => x.conditions?.ready) && e;
      });
      const slices = await slicesOf('kubia');
      expect(slices).toHaveLength(1);
      const s = slices[0]!;
      expect(s.metadata?.generateName).toBe('kubia-');
      expect(s.metadata?.labels).toMatchObject({
        'kubernetes.io/service-name': 'kubia',
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        'service.kubernetes.io/headless': '',
      });
      expect(s.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Service', name: 'kubia', uid: svc.metadata?.uid, controller: true });
      expect(s.addressType).toBe('IPv4');
      expect(s.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
      const k0 = eps.find((e) => e.targetRef?.name === 'kubia-0');
      expect(k0).toMatchObject({ hostname: 'kubia-0', conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace: ns } });
      expect(k0?.nodeName).toMatch(/^eps-/);
      expect(eps.find((e) => e.targetRef?.name === 'other-sub')?.hostname).toBeUndefined();
    });

    it('follows readiness: an unready pod is listed with ready=false, then ready again', async () => {
      await core.patchNamespacedPod({ name: 'kubia-1', namespace: ns, body: { metadata: { annotations: { [READY_ANNOTATION]: 'false' } } } }, MERGE_PATCH);
      const down = await waitFor('kubia-1 not ready', async () => {
        const e = await byPod('kubia', 'kubia-1');
        return e?.conditions?.ready === false && e;
      });
      expect(down.conditions).toEqual({ ready: false, serving: false, terminating: false });
      await core.patchNamespacedPod({ name: 'kubia-1', namespace: ns, body: { metadata: { annotations: { [READY_ANNOTATION]: null } } } }, MERGE_PATCH);
      await waitFor('kubia-1 ready', async () => (await byPod('kubia', 'kubia-1'))?.conditions?.ready === true);
    });

    it('publishNotReadyAddresses makes unready pods ready in the slice', async () => {
      await core.createNamespacedService({
        namespace: ns,
        body: { metadata: { name: 'kubia-public' }, spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'kubia' } } },
      });
      await createPod('held', 'kubia-public', { [READY_ANNOTATION]: 'false' });
      const e = await waitFor('held listed', async () => byPod('kubia-public', 'held'));
      expect(e).toMatchObject({ hostname: 'held', conditions: { ready: true, serving: false, terminating: false } });
      // Written as []; a real apiserver (protobuf storage) reads it back as null.
      expect((await slicesOf('kubia-public'))[0]?.ports ?? []).toEqual([]);
    });

    it('a deleted pod is terminating, then leaves the slice', async () => {
      await core.deleteNamespacedPod({ name: 'kubia-0', namespace: ns });
      const t = await waitFor('kubia-0 terminating', async () => {
        const e = await byPod('kubia', 'kubia-0');
        return e?.conditions?.terminating && e;
      });
      expect(t.conditions).toMatchObject({ ready: false, terminating: true });
      await waitFor('kubia-0 removed', async () => (await byPod('kubia', 'kubia-0')) === undefined && (await endpointsOf('kubia')).length === 3);
    });

    it('leaves Services without a selector alone', async () => {
      await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'manual' }, spec: { ports: [{ port: 80 }] } } });
      await sleep(300);
      expect(await slicesOf('manual')).toEqual([]);
    });

    it('a Service with no matching pods gets one empty slice', async () => {
      await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'empty' }, spec: { clusterIP: 'None', selector: { app: 'none' } } } });
      const s = await waitFor('placeholder', async () => {
        const x = await slicesOf('empty');
        return x.length === 1 && x;
      });
      expect(s[0]?.endpoints ?? []).toEqual([]);
    });
  });
}
