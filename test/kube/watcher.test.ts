import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { releaseAgents } from '../../src/kube/client.ts';
import { createMetrics } from '../../src/kube/metrics.ts';
import { informerSpecs, startWatcher, type Watcher, type WatcherOptions } from '../../src/kube/watcher.ts';
import { ClusterModel } from '../../src/zone/model.ts';
import { lookup } from '../../src/zone/lookup.ts';
import { DEFAULT_ZONE_CONFIG, Rcode, RRClass, RRType, type ZoneSnapshot } from '../../src/zone/types.ts';
import type { FreezeSignal, Thaw, ThawInfo } from '../../src/kube/freeze.ts';
import { FakeApi, type Obj } from './fake-api.ts';
import { pod, waitFor } from './helpers.ts';

const PODS = '/api/v1/pods';
const SVCS = '/api/v1/services';
const NSS = '/api/v1/namespaces';
const SLICES = '/apis/discovery.k8s.io/v1/endpointslices';
const STS = '/apis/apps/v1/statefulsets';

function headless(name: string, namespace = 'default', labels: Record<string, string> = {}): Obj {
  return { kind: 'Service', metadata: { name, namespace, labels }, spec: { clusterIP: 'None', selector: { app: name }, ports: [{ name: 'http', port: 80 }] } };
}
function ns(name: string): Obj {
  return { kind: 'Namespace', metadata: { name } };
}
function slice(svc: string, eps: { ip: string; host: string; ready: boolean }[], namespace = 'default', labels: Record<string, string> = {}): Obj {
  return {
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-abc`, namespace, labels: { 'kubernetes.io/service-name': svc, ...labels } },
    addressType: 'IPv4',
    endpoints: eps.map((e) => ({ addresses: [e.ip], hostname: e.host, conditions: { ready: e.ready } })),
    ports: [{ name: 'http', port: 80 }],
  };
}

/** A records' addresses for `name`, or the rcode when it is not NOERROR. */
function answer(snap: ZoneSnapshot, name: string): string[] | string {
  const r = lookup(snap, name, RRType.A, RRClass.IN);
  if (r.rcode !== Rcode.NOERROR) return Object.keys(Rcode).find((k) => Rcode[k as keyof typeof Rcode] === r.rcode)!;
  return r.answer.filter((rr) => rr.type === RRType.A).map((rr) => [...rr.tail.slice(10, 14)].join('.')).sort();
}

describe('watcher', () => {
  let api: FakeApi;
  const watchers: Watcher[] = [];
  beforeEach(async () => {
    api = new FakeApi();
    await api.start();
  });
  afterEach(async () => {
    await Promise.all(watchers.splice(0).map((w) => w.stop()));
    await api.stop();
  });

  function start(extra: Partial<WatcherOptions> = {}): Watcher {
    const endpointsFrom = extra.endpointsFrom ?? 'pods';
    const model = new ClusterModel({ ...DEFAULT_ZONE_CONFIG, endpointsFrom });
    const kc = api.kubeConfig();
    const w = startWatcher({ kc, model, endpointsFrom, log: silentLogger(), backoff: { initialMs: 20, maxMs: 200 }, ...extra });
    const stop = w.stop.bind(w);
    watchers.push({ ...w, stop: async () => { await stop(); releaseAgents(kc); } });
    return w;
  }

  it('answers SERVFAIL until every informer synced, then serves the cluster', async () => {
    api.put(NSS, ns('default'));
    api.put(SVCS, headless('web'));
    api.put(PODS, pod('web-0', 'default', { app: 'web' }, true, '10.1.0.10'));
    api.failNext = 4; // the first lists fail: the watcher must retry, not give up
    const w = start();
    expect(answer(w.source.current(), 'web.default.svc.cluster.local')).toBe('SERVFAIL');
    expect(w.isSynced()).toBe(false);
    await w.synced;
    expect(answer(w.source.current(), 'web.default.svc.cluster.local')).toEqual(['10.1.0.10']);
    expect(answer(w.source.current(), 'web-0.web.default.svc.cluster.local')).toEqual(['10.1.0.10']);
    expect(answer(w.source.current(), 'nope.default.svc.cluster.local')).toBe('NXDOMAIN');
  });

  it('propagates creates, readiness flips and deletes, coalescing bursts into few snapshots', async () => {
    api.put(NSS, ns('default'));
    api.put(SVCS, headless('web'));
    const metrics = createMetrics({ defaultMetrics: false });
    const w = start({ metrics });
    await w.synced;
    let published = 0;
    w.source.onChange(() => published++);
    const name = 'web.default.svc.cluster.local';
    for (let i = 0; i < 50; i++) api.put(PODS, pod(`web-${i}`, 'default', { app: 'web' }, true, `10.1.1.${i}`));
    await waitFor(() => (answer(w.source.current(), name) as string[]).length === 50, 5000, '50 pods');
    expect(published).toBeLessThan(10);
    api.put(PODS, pod('web-7', 'default', { app: 'web' }, false, '10.1.1.7'));
    await waitFor(() => !(answer(w.source.current(), name) as string[]).includes('10.1.1.7'), 5000, 'not ready');
    api.put(PODS, pod('web-7', 'default', { app: 'web' }, true, '10.1.1.7'));
    await waitFor(() => (answer(w.source.current(), name) as string[]).includes('10.1.1.7'), 5000, 'ready again');
    api.remove(PODS, 'web-3', 'default');
    await waitFor(() => answer(w.source.current(), 'web-3.web.default.svc.cluster.local') === 'NXDOMAIN', 5000, 'deleted');
    api.remove(SVCS, 'web', 'default');
    await waitFor(() => answer(w.source.current(), name) === 'NXDOMAIN', 5000, 'service deleted');
    expect(metrics.programming.snapshot().count).toBeGreaterThanOrEqual(53);
  });

  it('keeps serving the last known state while the API is down and converges after it returns', async () => {
    api.put(NSS, ns('default'));
    api.put(SVCS, headless('web'));
    api.put(PODS, pod('web-0', 'default', { app: 'web' }, true, '10.1.0.10'));
    api.put(PODS, pod('web-1', 'default', { app: 'web' }, true, '10.1.0.11'));
    const w = start();
    await w.synced;
    const port = api.port;
    await api.stop();
    await new Promise((r) => setTimeout(r, 300));
    expect(answer(w.source.current(), 'web.default.svc.cluster.local')).toEqual(['10.1.0.10', '10.1.0.11']);
    expect(w.isSynced()).toBe(true);
    api.removeSilently(PODS, 'web-0', 'default');
    api.put(PODS, pod('web-2', 'default', { app: 'web' }, true, '10.1.0.12'));
    api.compact();
    await api.start(port);
    await waitFor(() => (answer(w.source.current(), 'web.default.svc.cluster.local') as string[]).join() === '10.1.0.11,10.1.0.12', 5000, 'converged');
  });

  it('after a stop of the process, says it is fresh once every informer has relisted, after publishing the catch-up', async () => {
    const subs = new Set<Thaw>();
    const freezes: FreezeSignal = { subscribe: (fn) => { subs.add(fn); return () => subs.delete(fn); } };
    const thaw = (ms: number, info: ThawInfo): void => { for (const fn of subs) fn(ms, info); };
    api.put(NSS, ns('default'));
    api.put(SVCS, headless('web'));
    api.put(PODS, pod('web-0', 'default', { app: 'web' }, true, '10.1.0.10'));
    const w = start({ freezes });
    await w.synced;
    await waitFor(() => api.requests.filter((r) => r.includes('watch=true')).length >= 3);
    const heard: { since: number; web: string[] | string }[] = [];
    w.onFresh((since) => heard.push({ since, web: answer(w.source.current(), 'web.default.svc.cluster.local') }));
    api.stallWatches = true; // what happens during the stop stays on the other side
    api.put(PODS, pod('web-1', 'default', { app: 'web' }, true, '10.1.0.11'));
    api.stallWatches = false;
    thaw(30_000, { stopped: false, at: Date.now() }); // a blocked loop: a reopen, no relist, no fresh
    await waitFor(() => answer(w.source.current(), 'web.default.svc.cluster.local').length === 2);
    expect(heard).toEqual([]);
    api.stallWatches = true;
    api.put(PODS, pod('web-2', 'default', { app: 'web' }, true, '10.1.0.12'));
    api.stallWatches = false;
    const at = Date.now();
    const listsBefore = api.requests.filter((r) => !r.includes('watch=true')).length;
    thaw(30_000, { stopped: true, at });
    await waitFor(() => heard.length === 1, 5000, 'onFresh');
    // Every informer listed again, and the snapshot in place when onFresh ran had the catch-up.
    expect(api.requests.filter((r) => !r.includes('watch=true')).length - listsBefore).toBe(3);
    expect(heard).toEqual([{ since: at, web: ['10.1.0.10', '10.1.0.11', '10.1.0.12'] }]);
    await w.stop();
    expect(subs.size).toBe(0); // the watcher and its informers unsubscribe
  });

  it('serves from EndpointSlices', async () => {
    api.put(NSS, ns('default'));
    api.put(SVCS, headless('db'));
    api.put(SLICES, slice('db', [{ ip: '10.2.0.1', host: 'db-0', ready: true }, { ip: '10.2.0.2', host: 'db-1', ready: false }]));
    const w = start({ endpointsFrom: 'endpointslices' });
    await w.synced;
    expect(answer(w.source.current(), 'db.default.svc.cluster.local')).toEqual(['10.2.0.1']);
    api.put(SLICES, slice('db', [{ ip: '10.2.0.1', host: 'db-0', ready: true }, { ip: '10.2.0.2', host: 'db-1', ready: true }]));
    await waitFor(() => (answer(w.source.current(), 'db-1.db.default.svc.cluster.local') as string[])[0] === '10.2.0.2', 5000, 'db-1 ready');
  });

  it('narrows by namespace and label selector', async () => {
    for (const n of ['a', 'b']) {
      api.put(NSS, ns(n));
      api.put(SVCS, headless('web', n, { dns: 'yes' }));
      api.put(SVCS, headless('hidden', n));
      api.put(SLICES, slice('web', [{ ip: n === 'a' ? '10.3.0.1' : '10.3.0.2', host: 'web-0', ready: true }], n, { dns: 'yes' }));
      api.put(SLICES, { ...slice('hidden', [{ ip: '10.3.9.9', host: 'h-0', ready: true }], n), metadata: { name: 'hidden-x', namespace: n, labels: { 'kubernetes.io/service-name': 'hidden' } } });
    }
    const w = start({ endpointsFrom: 'endpointslices', namespaces: ['a'], labelSelector: 'dns=yes' });
    await w.synced;
    const snap = w.source.current();
    expect(answer(snap, 'web.a.svc.cluster.local')).toEqual(['10.3.0.1']);
    expect(answer(snap, 'web.b.svc.cluster.local')).toBe('NXDOMAIN');
    expect(answer(snap, 'hidden.a.svc.cluster.local')).toBe('NXDOMAIN');
    expect(api.requests.some((r) => r.startsWith('/api/v1/namespaces/a/services?') && r.includes('labelSelector=dns%3Dyes'))).toBe(true);
  });

  it.each([
    { name: 'all namespaces, pods', from: 'pods' as const, nss: [], want: ['namespaces', 'services', 'pods'] },
    { name: 'two namespaces, slices', from: 'endpointslices' as const, nss: ['x', 'y', 'x'], want: ['namespaces/x', 'services/x', 'endpointslices/x', 'namespaces/y', 'services/y', 'endpointslices/y'] },
  ])('informerSpecs: $name', ({ from, nss, want }) => {
    const specs = informerSpecs(from, nss, 'a=b');
    expect(specs.map((s) => s.resource)).toEqual(want);
    expect(specs.filter((s) => s.kind === 'Namespace').every((s) => s.labelSelector === undefined)).toBe(true);
    expect(specs.filter((s) => s.kind !== 'Namespace').every((s) => s.labelSelector === 'a=b')).toBe(true);
  });

  it.each([
    { name: 'StatefulSets listed', forbid: false, from: 'pods' as const },
    { name: 'StatefulSets forbidden by RBAC', forbid: true, from: 'pods' as const },
    { name: 'StatefulSets forbidden, endpoints from slices (pods watched for the rule)', forbid: true, from: 'endpointslices' as const },
  ])('expected names: $name', async ({ forbid, from }) => {
    if (forbid) api.forbidden.add(STS);
    api.put(NSS, ns('default'));
    api.put(SVCS, headless('web'));
    api.put(STS, { kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' }, spec: { serviceName: 'web', replicas: 3 } });
    api.put(PODS, pod('web-0', 'default', { app: 'web' }, false, '10.1.0.10'));
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(line); } });
    const model = new ClusterModel({ ...DEFAULT_ZONE_CONFIG, endpointsFrom: from, ttl: 30, expectedNegativeTtl: 0 });
    const w = start({ model, endpointsFrom: from, log, pods: true, statefulSets: true });
    await w.synced;
    const soaMinimum = (name: string): number => {
      const r = lookup(w.source.current(), name, RRType.A, RRClass.IN);
      expect(r.rcode).toBe(Rcode.NXDOMAIN);
      const tail = r.authority[0]!.tail;
      return new DataView(tail.buffer, tail.byteOffset, tail.byteLength).getUint32(tail.length - 4);
    };
    // The not-ready pod announces web-0 either way; the StatefulSet announces web-2 only when it can be read.
    expect(soaMinimum('web-0.web.default.svc.cluster.local')).toBe(0);
    expect(soaMinimum('web-2.web.default.svc.cluster.local')).toBe(forbid ? 30 : 0);
    expect(soaMinimum('web-3.web.default.svc.cluster.local')).toBe(30);
    const sts = warnings.filter((l) => l.includes('cannot list StatefulSets'));
    expect(sts).toHaveLength(forbid ? 1 : 0);
    expect(warnings.filter((l) => l.includes('list/watch failed'))).toEqual([]);
    if (forbid) {
      // Tried once, never again (no retry loop, no warning per attempt).
      await new Promise((r) => setTimeout(r, 300));
      expect(api.requests.filter((r) => r.startsWith(STS))).toHaveLength(1);
    } else {
      api.put(STS, { kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' }, spec: { serviceName: 'web', replicas: 5 } });
      await waitFor(() => soaMinimum('web-4.web.default.svc.cluster.local') === 0, 5000, 'scaled StatefulSet');
    }
  });

  it('informerSpecs: extra kinds; StatefulSets are optional and not label-narrowed', () => {
    const specs = informerSpecs('endpointslices', ['x'], 'a=b', { pods: true, statefulSets: true });
    expect(specs.map((s) => [s.resource, s.labelSelector, s.optional ?? false])).toEqual([
      ['namespaces/x', undefined, false], ['services/x', 'a=b', false], ['endpointslices/x', 'a=b', false],
      ['pods/x', 'a=b', false], ['statefulsets/x', undefined, true],
    ]);
    expect(informerSpecs('pods', [], undefined, { pods: true }).map((s) => s.resource)).toEqual(['namespaces', 'services', 'pods']);
  });

  it('survives objects the projection rejects', async () => {
    api.put(NSS, ns('default'));
    api.put(SVCS, headless('web'));
    const w = start();
    await w.synced;
    api.put(PODS, { metadata: { name: '', namespace: 'default' } } as Obj);
    api.put(PODS, pod('web-0', 'default', { app: 'web' }, true, '10.1.0.10'));
    await waitFor(() => (answer(w.source.current(), 'web.default.svc.cluster.local') as string[]).length === 1, 5000, 'good pod after bad');
  });
});
