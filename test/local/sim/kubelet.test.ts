import { kubeletScenarios } from './kubelet-scenarios.ts';
import { localCluster } from './cluster.ts';

kubeletScenarios('simulated kubelets and node lifecycle on the embedded API', localCluster);
