// The conformance suite against the embedded API server, over HTTPS with client-node.
import { startLocalApi } from '../../../src/local/api/index.ts';
import { runConformance } from './conformance-suite.ts';

runConformance(async () => {
  const api = await startLocalApi({ listen: '127.0.0.1:0' });
  return { kc: api.kubeConfig(), cleanup: () => api.close() };
});
