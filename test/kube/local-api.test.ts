// The informer and the watcher against the embedded Kubernetes-compatible API server (HTTPS,
// token auth, real list/watch, WAL persistence): restarts, compaction and filters.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, DiscoveryV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { startLocalApi, type LocalApi } from '../../src/local/api/index.ts';
import { releaseAgents } from '../../src/kube/client.ts';
import { createInformer, type Informer, type KubeObject } from '../../src/kube/informer.ts';
import { startWatcher, type Watcher } from '../../src/kube/watcher.ts';
import { ClusterModel } from '../../src/zone/model.ts';
import { lookup } from '../../src/zone/lookup.ts';
import { DEFAULT_ZONE_CONFIG, Rcode, RRClass, RRType, type ZoneSnapshot } from '../../src/zone/types.ts';
import { pod, waitFor } from './helpers.ts';

const backoff = { initialMs: 20, maxMs: 300 };

function ips(snap: ZoneSnapshot, name: string): string[] | number {
  const r = lookup(snap, name, RRType.A, RRClass.IN);
  if (r.rcode !== Rcode.NOERROR) return r.rcode;
  return r.answer.filter((rr) => rr.type === RRType.A).map((rr) => [...rr.tail.slice(10, 14)].join('.')).sort();
}

describe('against the embedded API server', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function api(dataDir?: string, port = 0): Promise<LocalApi> {
    const a = await startLocalApi({ listen: `127.0.0.1:${port}`, dataDir });
    let closed = false;
    const close = a.close.bind(a);
    a.close = async () => {
      if (closed) return;
      closed = true;
      await close();
    };
    cleanups.push(() => a.close());
    return a;
  }

  function informer(kc: KubeConfig, path: string, extra: { labelSelector?: string } = {}): Informer<KubeObject> {
    const inf = createInformer<KubeObject>({ kc, path, log: silentLogger(), name: path, backoff, ...extra });
    cleanups.push(async () => {
      await inf.stop();
      releaseAgents(kc);
    });
    inf.start();
    return inf;
  }

  it('informer: creates, deletes, label filter; then survives a restart with a 410 relist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordinal-kube-'));
    const a = await api(dir);
    // The TLS kubeconfig, as another process holds it: the in-process loopback socket is one
    // instance's, and this client must find the API again after it restarts on the same port.
    const kc = new KubeConfig();
    kc.loadFromString(a.kubeConfig().exportConfig());
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: 'default', body: pod('a', 'default', { app: 'web' }) as unknown as V1Pod });
    const all = informer(kc, '/api/v1/pods');
    const web = informer(kc, '/api/v1/namespaces/default/pods', { labelSelector: 'app=web' });
    const deleted: string[] = [];
    all.on('delete', (o) => deleted.push(o.metadata!.name!));
    await waitFor(() => all.hasSynced() && web.hasSynced(), 10_000, 'sync');
    await core.createNamespacedPod({ namespace: 'default', body: pod('b', 'default', { app: 'db' }) as unknown as V1Pod });
    await core.createNamespacedPod({ namespace: 'default', body: pod('c', 'default', { app: 'web' }) as unknown as V1Pod });
    await waitFor(() => all.list().length === 3 && web.list().length === 2, 5000, 'creates');
    expect(web.get('default/b')).toBeUndefined();
    await core.deleteNamespacedPod({ name: 'a', namespace: 'default', gracePeriodSeconds: 0 });
    await waitFor(() => deleted.includes('a'), 5000, 'delete a');

    // Restart on the same port and data dir. Right after it comes back (before the informers
    // reconnect), c is deleted and the history compacted: resuming must 410 and the relist
    // must produce the delete.
    const port = a.port;
    await a.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(all.list().length).toBe(2);
    const b = await api(dir, port);
    b.store.remove('pods', 'default', 'c');
    b.store.compact();
    await waitFor(() => deleted.includes('c'), 10_000, 'delete c after relist');
    expect(all.list().map((o) => o.metadata!.name)).toEqual(['b']);
    expect(all.stats().relists).toBeGreaterThanOrEqual(1);
    await waitFor(() => web.list().length === 0, 5000, 'filtered informer converged');
    await kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: 'default', body: pod('d', 'default', { app: 'web' }) as unknown as V1Pod });
    await waitFor(() => web.get('default/d') && all.get('default/d'), 5000, 'watching again');
  });

  it('watcher: SERVFAIL until synced, EndpointSlice readiness flips, deletes', async () => {
    const a = await api();
    const kc = a.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const disc = kc.makeApiClient(DiscoveryV1Api);
    await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'db' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] } } });
    const sliceBody = (ready: boolean): Parameters<DiscoveryV1Api['createNamespacedEndpointSlice']>[0]['body'] => ({
      metadata: { name: 'db-1', labels: { 'kubernetes.io/service-name': 'db' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.9.0.1'], hostname: 'db-0', conditions: { ready: true } }, { addresses: ['10.9.0.2'], hostname: 'db-1', conditions: { ready } }],
      ports: [{ port: 5432 }],
    });
    await disc.createNamespacedEndpointSlice({ namespace: 'default', body: sliceBody(false) });
    const model = new ClusterModel({ ...DEFAULT_ZONE_CONFIG, endpointsFrom: 'endpointslices' });
    const w: Watcher = startWatcher({ kc, model, endpointsFrom: 'endpointslices', log: silentLogger(), backoff });
    cleanups.push(async () => {
      await w.stop();
      releaseAgents(kc);
    });
    expect(ips(w.source.current(), 'db.default.svc.cluster.local')).toBe(Rcode.SERVFAIL);
    await w.synced;
    expect(ips(w.source.current(), 'db.default.svc.cluster.local')).toEqual(['10.9.0.1']);
    await disc.replaceNamespacedEndpointSlice({ name: 'db-1', namespace: 'default', body: sliceBody(true) });
    await waitFor(() => (ips(w.source.current(), 'db.default.svc.cluster.local') as string[]).length === 2, 5000, 'db-1 ready');
    expect(ips(w.source.current(), 'db-1.db.default.svc.cluster.local')).toEqual(['10.9.0.2']);
    await disc.deleteNamespacedEndpointSlice({ name: 'db-1', namespace: 'default' });
    await waitFor(() => ips(w.source.current(), 'db-0.db.default.svc.cluster.local') === Rcode.NXDOMAIN, 5000, 'slice deleted');
  });
});
