import { pvScenarios } from './pv-scenarios.ts';
import { localCluster } from './cluster.ts';

pvScenarios('PV binder on the embedded API', localCluster);
