/**
 * The simulator's integration scenarios for a real control plane (kube-apiserver 1.36 with
 * kube-controller-manager running the EndpointSlice, GC and namespace controllers). The e2e
 * suite registers them with its plane factory:
 *
 *   import { startControlPlane } from './harness/plane.ts';
 *   import { simSuitesOnRealPlane } from '../local/sim/real-suites.ts';
 *   simSuitesOnRealPlane(async () => {
 *     const plane = await startControlPlane();
 *     return { kc: plane.kubeConfig(), close: () => plane.stop() };
 *   });
 *
 * Each group gets its own plane. Our EndpointSlice controller is not started there: the real
 * one runs, so the slice scenarios check the simulated kubelet against it, and the
 * differential compares our pure slice plan with what it wrote.
 */
import type { ClusterFactory } from './cluster.ts';
import { endpointSliceScenarios } from './endpointslice-scenarios.ts';
import { kubeletScenarios } from './kubelet-scenarios.ts';
import { pvScenarios } from './pv-scenarios.ts';
import { slicesDifferential } from './slices-differential.ts';

export function simSuitesOnRealPlane(factory: ClusterFactory): void {
  kubeletScenarios('simulated kubelets and node lifecycle on kube-apiserver', factory);
  endpointSliceScenarios('kube-controller-manager EndpointSlices over simulated pods', factory, { startController: false });
  pvScenarios('PV binder on kube-apiserver (with storage-protection finalizers)', factory);
  slicesDifferential('our EndpointSlice plan equals kube-controller-manager', factory);
}
