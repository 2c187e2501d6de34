/** The simulated node and its controllers against a real kube-apiserver 1.36 + kube-controller-manager. */
import { simSuitesOnRealPlane } from '../local/sim/real-suites.ts';
import { startControlPlane } from './harness/plane.ts';

simSuitesOnRealPlane(async () => {
  const p = await startControlPlane();
  return { kc: p.kubeConfig(), close: () => p.stop() };
});
