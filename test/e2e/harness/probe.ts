/**
 * @module Readiness probe for kube-controller-manager: proves the EndpointSlice controller
 * works by its effect. With --secure-port=0 the controller manager has no healthz, and the
 * `kubernetes` Service's slice is written by kube-apiserver itself, so neither says anything.
 * Instead a throw-away Service with a selector that matches nothing is created; the controller
 * answers with an (empty) slice managed by `endpointslice-controller.k8s.io`
 * (k8s.io/endpointslice reconciler: a Service with a selector always gets at least one slice).
 */
import { CoreV1Api, DiscoveryV1Api, type KubeConfig } from '@kubernetes/client-node';
import { waitFor } from './util.ts';

const PROBE = 'ordinal-e2e-probe';
const MANAGED_BY = 'endpointslice-controller.k8s.io';

function statusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export async function waitForEndpointSliceController(kc: KubeConfig, alive: () => void, timeoutMs: number): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  await waitFor(
    async () => {
      alive();
      try {
        await core.createNamespacedService({
          namespace: 'default',
          body: {
            metadata: { name: PROBE },
            spec: { clusterIP: 'None', selector: { 'ordinal-e2e-probe': 'matches-nothing' }, ports: [{ port: 80 }] },
          },
        });
      } catch (err) {
        if (statusCode(err) !== 409) throw err;
      }
      const slices = await discovery.listNamespacedEndpointSlice({
        namespace: 'default',
        labelSelector: `kubernetes.io/service-name=${PROBE},endpointslice.kubernetes.io/managed-by=${MANAGED_BY}`,
      });
      return slices.items.length > 0;
    },
    timeoutMs,
    { what: 'the EndpointSlice controller to write a slice for a probe Service', intervalMs: 300 },
  );
  // The garbage collector removes the slice through its owner reference.
  await core.deleteNamespacedService({ namespace: 'default', name: PROBE });
}
