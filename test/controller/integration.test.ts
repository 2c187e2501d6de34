// The controller against the embedded API server (real HTTPS on 127.0.0.1 port 0).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApi, type LocalApi } from '../../src/local/api/index.ts';
import { silentLogger } from '../../src/log.ts';
import { startStatefulSetController } from '../../src/controller/statefulset.ts';
import { kubeApi, paths } from '../../src/controller/rest.ts';
import type { StatefulSet } from '../../src/controller/types.ts';
import { makeSet } from './fixtures.ts';

async function until<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('controller against the embedded API', () => {
  let local: LocalApi;
  beforeAll(async () => {
    local = await startLocalApi({ listen: '127.0.0.1:0' });
  });
  afterAll(async () => {
    await local.close();
  });

  it('creates claims, pods, a revision and status for a Parallel set', async () => {
    const kc = local.kubeConfig();
    const api = kubeApi(kc);
    const spec = makeSet({ podManagementPolicy: 'Parallel' });
    const { uid: _u, generation: _g, ...metadata } = spec.metadata;
    await api.create('/apis/apps/v1/namespaces/default/statefulsets', { ...spec, metadata, status: undefined });
    const ctl = startStatefulSetController(kc, { log: silentLogger(), namespace: 'default', resyncMs: 5_000 });
    try {
      const pods = await until(async () => {
        const list = await api.get<{ items: { metadata: { name: string; labels: Record<string, string> }; spec: { hostname: string; subdomain: string } }[] }>(paths.pods('default'));
        return list.items.length === 3 ? list.items : undefined;
      });
      expect(pods.map((p) => p.metadata.name).sort()).toEqual(['web-0', 'web-1', 'web-2']);
      for (const p of pods) {
        expect(p.spec.hostname).toBe(p.metadata.name);
        expect(p.spec.subdomain).toBe('nginx');
        expect(p.metadata.labels['controller-revision-hash']).toMatch(/^web-[4-9bcdf]+$/);
      }
      const claims = await api.get<{ items: { metadata: { name: string } }[] }>(paths.claims('default'));
      expect(claims.items.map((c) => c.metadata.name).sort()).toEqual(['www-web-0', 'www-web-1', 'www-web-2']);
      const set = await until(async () => {
        const s = await api.get<StatefulSet>(paths.set('default', 'web'));
        return s.status?.replicas === 3 ? s : undefined;
      });
      expect(set.status?.updateRevision).toBe(pods[0]?.metadata.labels['controller-revision-hash']);
      expect(set.status?.observedGeneration).toBe(set.metadata.generation);
    } finally {
      await ctl.stop();
    }
  });
});
