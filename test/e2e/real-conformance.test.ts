/**
 * The API conformance suite (test/local/api/conformance-suite.ts) against a real kube-apiserver
 * v1.36 with etcd and kube-controller-manager (GC and namespace controllers). The same suite runs
 * against the embedded API server in the Node-only tests, so any case that passes there and fails
 * here is a behaviour difference of the embedded API.
 */
import { runConformance } from '../local/api/conformance-suite.ts';
import { startControlPlane } from './harness/plane.ts';

runConformance(async () => {
  const plane = await startControlPlane();
  return { kc: plane.kubeConfig(), cleanup: () => plane.stop() };
});
