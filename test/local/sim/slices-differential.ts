/**
 * Differential check for a real control plane: with kube-controller-manager's
 * endpointslice-controller running, our pure `desiredGroups` + `reconcileSlices` must produce
 * the same slices (labels, address type, ports, endpoints) for the same Services, Pods and
 * Nodes. Covers named and numeric target ports, UDP, a pod lacking the named port,
 * publishNotReadyAddresses, an unready pod and a pod whose subdomain names another Service.
 */
import { CoreV1Api, DiscoveryV1Api, type V1EndpointSlice, type V1ServiceSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { desiredGroups } from '../../../src/local/sim/endpoints.ts';
import { READY_ANNOTATION, startSimNodes } from '../../../src/local/sim/index.ts';
import { canonical, reconcileSlices } from '../../../src/local/sim/slices.ts';
import { waitFor, type ClusterFactory } from './cluster.ts';

const NS = 'sim-diff';
const SERVICES: [string, V1ServiceSpec][] = [
  ['web', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' as unknown as number }, { name: 'dns', port: 53, protocol: 'UDP' }] }],
  ['pub', { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'web' } }],
  ['cip', { selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 9090 as unknown as number }] }],
];

function normalise(slices: V1EndpointSlice[]): unknown[] {
  return slices
    .map((s) => ({
      labels: s.metadata?.labels,
      addressType: s.addressType,
      ports: s.ports ?? [],
      endpoints: (s.endpoints ?? []).map((e) => canonical({ ...e, targetRef: { ...e.targetRef, resourceVersion: undefined } })).sort(),
    }))
    .sort((a, b) => canonical(a.ports).localeCompare(canonical(b.ports)));
}

export function slicesDifferential(name: string, factory: ClusterFactory): void {
  describe(name, () => {
    it('our planned slices equal the ones kube-controller-manager wrote', async () => {
      const cluster = await factory();
      const sim = await startSimNodes(cluster.kc, { nodes: ['diff-0', 'diff-1'], readyDelayMs: 100, heartbeatMs: 500, log: silentLogger() });
      try {
        const core = cluster.kc.makeApiClient(CoreV1Api);
        const discovery = cluster.kc.makeApiClient(DiscoveryV1Api);
        await core.createNamespace({ body: { metadata: { name: NS } } });
        for (const [svc, spec] of SERVICES) await core.createNamespacedService({ namespace: NS, body: { metadata: { name: svc, labels: { team: 'x' } }, spec } });
        for (let i = 0; i < 5; i++) {
          const annotations = i === 3 ? { [READY_ANNOTATION]: 'false' } : undefined;
          const ports = i === 2 ? [] : [{ name: 'http', containerPort: 8080 }];
          await core.createNamespacedPod({
            namespace: NS,
            body: { metadata: { name: `web-${i}`, labels: { app: 'web' }, ...(annotations ? { annotations } : {}) }, spec: { hostname: `web-${i}`, subdomain: i === 4 ? 'other' : 'web', containers: [{ name: 'c', image: 'x', ports }] } },
          });
        }
        const pods = await waitFor('pods running, 4 Ready', async () => {
          const items = (await core.listNamespacedPod({ namespace: NS })).items;
          const ready = items.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
          return items.every((p) => p.status?.phase === 'Running') && ready.length === 4 && items;
        }, 20_000);
        const nodes = new Map((await core.listNode()).items.map((n) => [n.metadata?.name ?? '', n]));
        for (const [svcName] of SERVICES) {
          const svc = await core.readNamespacedService({ name: svcName, namespace: NS });
          const ours = normalise(reconcileSlices(svc, desiredGroups(svc, pods, nodes), []).create);
          // Level-triggered: wait until the real controller has caught up with the same state.
          await waitFor(`${svcName} slices equal`, async () => {
            const theirs = (await discovery.listNamespacedEndpointSlice({ namespace: NS, labelSelector: `kubernetes.io/service-name=${svcName}` })).items;
            return canonical(normalise(theirs)) === canonical(ours);
          }, 20_000);
          const theirs = (await discovery.listNamespacedEndpointSlice({ namespace: NS, labelSelector: `kubernetes.io/service-name=${svcName}` })).items;
          expect(normalise(theirs)).toEqual(ours);
        }
      } finally {
        await sim.stop();
        await cluster.close();
      }
    }, 120_000);
  });
}
