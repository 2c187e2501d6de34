/**
 * Test clusters for the simulator's integration suites. The suites only need a `kc`, so the
 * same scenarios run against the embedded API (here) and a real kube-apiserver (test/e2e).
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { startLocalApi } from '../../../src/local/api/index.ts';

export interface TestCluster {
  kc: KubeConfig;
  close(): Promise<void>;
}
export type ClusterFactory = () => Promise<TestCluster>;

export const localCluster: ClusterFactory = async () => {
  const api = await startLocalApi({ listen: '127.0.0.1:0' });
  return { kc: api.kubeConfig(), close: () => api.close() };
};

/** Poll `fn` until it returns something truthy; fail with `what` and the last value seen. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function createNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
