import { endpointSliceScenarios } from './endpointslice-scenarios.ts';
import { localCluster } from './cluster.ts';

endpointSliceScenarios('EndpointSlice controller on the embedded API', localCluster);
