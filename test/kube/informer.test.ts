import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { createInformer, type Informer, type InformerOptions } from '../../src/kube/informer.ts';
import { releaseAgents } from '../../src/kube/client.ts';
import type { FreezeSignal, Thaw } from '../../src/kube/freeze.ts';
import { FakeApi, type Obj } from './fake-api.ts';
import { pod, waitFor } from './helpers.ts';

const PODS = '/api/v1/pods';
const fast = { backoff: { initialMs: 20, maxMs: 200 } };

describe('informer against a fake API', () => {
  let api: FakeApi;
  const informers: Informer<Obj>[] = [];

  beforeEach(async () => {
    api = new FakeApi();
    await api.start();
  });
  afterEach(async () => {
    await Promise.all(informers.splice(0).map((i) => i.stop()));
    await api.stop();
  });

  function make(extra: Partial<InformerOptions<Obj>> = {}): { inf: Informer<Obj>; log: string[] } {
    const kc = api.kubeConfig();
    const inf = createInformer<Obj>({ kc, path: PODS, log: silentLogger(), name: 'pods', ...fast, ...extra });
    const log: string[] = [];
    inf.on('add', (o) => log.push(`add ${o.metadata.name}`));
    inf.on('update', (o) => log.push(`update ${o.metadata.name}`));
    inf.on('delete', (o) => log.push(`delete ${o.metadata.name}`));
    informers.push(inf);
    const stop = inf.stop.bind(inf);
    inf.stop = async () => {
      await stop();
      releaseAgents(kc);
    };
    return { inf, log };
  }

  const names = (inf: Informer<Obj>): string[] => inf.list().map((o) => o.metadata.name).sort();

  it.each([
    { name: 'a page cut mid-body is asked for again with its continue token', set: (a: FakeApi) => { a.cutNextPage = 1; }, pageRetries: 1 },
    { name: 'a kept-alive connection closed under a request: the GET is sent once more', set: (a: FakeApi) => { a.resetReused = 1; }, pageRetries: 0 },
  ])('$name, and the list goes on without starting over', async ({ set, pageRetries }) => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) api.put(PODS, pod(n));
    set(api);
    const { inf } = make({ pageSize: 2 });
    inf.start();
    await waitFor(() => inf.hasSynced(), 5000, 'sync');
    expect(names(inf)).toEqual(['a', 'b', 'c', 'd', 'e']);
    const lists = api.requests.filter((r) => r.startsWith(PODS) && !r.includes('watch=true'));
    // The first page once; one of the later pages twice (the failed try and the retry).
    expect(lists.filter((r) => !r.includes('continue=')).length).toBe(1);
    expect(lists.length).toBe(4);
    expect(inf.stats().pageRetries).toBe(pageRetries);
    expect(inf.stats().errors).toBe(0);
  });

  it('lists in pages, syncs once, then sees creates, updates and deletes', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) api.put(PODS, pod(n));
    const { inf, log } = make({ pageSize: 2 });
    let syncedCalls = 0;
    inf.on('synced', () => syncedCalls++);
    inf.start();
    await waitFor(() => inf.hasSynced(), 5000, 'sync');
    expect(names(inf)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(api.requests.filter((r) => r.includes('continue=')).length).toBe(2);
    await waitFor(() => api.requests.some((r) => r.includes('watch=true')));
    api.put(PODS, pod('f'));
    api.put(PODS, pod('a', 'default', {}, false));
    api.remove(PODS, 'b', 'default');
    await waitFor(() => log.includes('delete b'));
    expect(names(inf)).toEqual(['a', 'c', 'd', 'e', 'f']);
    expect(log.slice(5)).toEqual(['add f', 'update a', 'delete b']);
    expect((inf.get('default/a')!.status as { conditions: { status: string }[] }).conditions[0]!.status).toBe('False');
    expect(syncedCalls).toBe(1);
    const watch = api.requests.find((r) => r.includes('watch=true'))!;
    expect(watch).toContain('allowWatchBookmarks=true');
    expect(watch).toContain(`resourceVersion=6`);
  });

  it('resumes a dropped watch from the last resourceVersion without relisting', async () => {
    api.put(PODS, pod('a'));
    const { inf, log } = make();
    inf.start();
    await waitFor(() => inf.hasSynced());
    await waitFor(() => api.requests.some((r) => r.includes('watch=true')));
    api.put(PODS, pod('b'));
    await waitFor(() => inf.get('default/b'));
    api.dropWatches();
    api.put(PODS, pod('c')); // happens while disconnected: delivered from history on resume
    await waitFor(() => inf.get('default/c'), 5000, 'c after reconnect');
    const watches = api.requests.filter((r) => r.includes('watch=true'));
    expect(watches.at(-1)).toContain('resourceVersion=3');
    expect(inf.stats().relists).toBe(0);
    expect(inf.stats().restarts).toBeGreaterThanOrEqual(1);
    expect(log).toEqual(['add a', 'add b', 'add c']);
  });

  it('reopens a stalled watch from its resourceVersion at once after its event loop was blocked', async () => {
    let thaw: Thaw | undefined;
    const freezes: FreezeSignal = { subscribe: (fn) => { thaw = fn; return () => { thaw = undefined; }; } };
    api.put(PODS, pod('a'));
    const { inf, log } = make({ freezes, backoff: { initialMs: 60_000, maxMs: 60_000 } });
    inf.start();
    await waitFor(() => inf.hasSynced());
    await waitFor(() => api.requests.some((r) => r.includes('watch=true')));
    api.stallWatches = true;
    api.put(PODS, pod('b'));
    api.stallWatches = false;
    await new Promise((r) => setTimeout(r, 200));
    expect(inf.get('default/b')).toBeUndefined(); // the stream is stalled: nothing errors, nothing comes
    const started = Date.now();
    thaw!(30_000, { stopped: false, at: Date.now() });
    await waitFor(() => inf.get('default/b'), 5000, 'b after the thaw');
    // At once: not after a backoff (a minute here), and not as an error.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(api.requests.filter((r) => r.includes('watch=true')).at(-1)).toContain('resourceVersion=2');
    expect(inf.stats()).toMatchObject({ thaws: 1, errors: 0, relists: 0 });
    expect(log).toEqual(['add a', 'add b']);
    await inf.stop();
    expect(thaw).toBeUndefined(); // stop() unsubscribes
  });

  it('leaves a list in flight alone after a freeze (a big sync can block the loop itself)', async () => {
    let thaw: Thaw | undefined;
    const freezes: FreezeSignal = { subscribe: (fn) => { thaw = fn; return () => { thaw = undefined; }; } };
    for (const n of ['a', 'b', 'c', 'd']) api.put(PODS, pod(n));
    const { inf } = make({ freezes, pageSize: 2 });
    inf.start(); // the first page is in flight now
    thaw!(5000, { stopped: false, at: Date.now() });
    await waitFor(() => inf.hasSynced());
    const lists = api.requests.filter((r) => r.startsWith(PODS) && !r.includes('watch=true'));
    expect(lists.length).toBe(2); // two pages, once each: not started over
    expect(inf.stats()).toMatchObject({ thaws: 0, errors: 0 });
  });

  it('relists at once after the process was stopped, and says from when its cache is fresh', async () => {
    let thaw: Thaw | undefined;
    const freezes: FreezeSignal = { subscribe: (fn) => { thaw = fn; return () => { thaw = undefined; }; } };
    api.put(PODS, pod('a'));
    api.put(PODS, pod('gone'));
    const { inf, log } = make({ freezes, backoff: { initialMs: 60_000, maxMs: 60_000 } });
    const listed: number[] = [];
    inf.on('listed', (t) => listed.push(t));
    inf.start();
    await waitFor(() => inf.hasSynced());
    await waitFor(() => api.requests.some((r) => r.includes('watch=true')));
    const first = inf.freshSince()!;
    expect(listed).toEqual([first]);
    api.stallWatches = true; // what happened during the stop stays on the other side
    api.put(PODS, pod('b'));
    api.remove(PODS, 'gone', 'default');
    api.stallWatches = false;
    const at = Date.now();
    thaw!(30_000, { stopped: true, at });
    await waitFor(() => listed.length === 2, 5000, 'the relist');
    expect(names(inf)).toEqual(['a', 'b']);
    expect(inf.freshSince()).toBe(listed[1]);
    expect(listed[1]).toBeGreaterThanOrEqual(at);
    expect(inf.stats()).toMatchObject({ thaws: 1, errors: 0, relists: 1 });
    expect(log.slice(0, 2)).toEqual(['add a', 'add gone']);
    expect(log.slice(2).sort()).toEqual(['add b', 'delete gone']);
  });

  it('starts a list in flight over after the process was stopped: it began before the stop', async () => {
    let thaw: Thaw | undefined;
    const freezes: FreezeSignal = { subscribe: (fn) => { thaw = fn; return () => { thaw = undefined; }; } };
    for (const n of ['a', 'b', 'c', 'd']) api.put(PODS, pod(n));
    const { inf } = make({ freezes, pageSize: 2 });
    api.delayNextList = 300;
    inf.start();
    await waitFor(() => api.requests.length === 1); // the first page is in flight now
    thaw!(30_000, { stopped: true, at: Date.now() });
    await waitFor(() => inf.hasSynced());
    const firstPages = api.requests.filter((r) => r.startsWith(PODS) && !r.includes('watch=true') && !r.includes('continue='));
    expect(firstPages.length).toBe(2);
    expect(inf.stats()).toMatchObject({ thaws: 1, errors: 0 });
  });

  it('a watch that worked and then broke is retried at the initial delay, not after every earlier failure', async () => {
    api.failNext = 4; // four failed lists: the next delay would be 200 ms * 2^4 = 3.2 s (1.6-3.2 with jitter)
    api.put(PODS, pod('a'));
    const { inf } = make({ backoff: { initialMs: 200, maxMs: 60_000 } });
    inf.start();
    await waitFor(() => inf.hasSynced(), 20_000, 'sync after the failures');
    await waitFor(() => api.requests.some((r) => r.includes('watch=true')));
    await new Promise((r) => setTimeout(r, 1200)); // a healthy watch
    const watches = (): number => api.requests.filter((r) => r.includes('watch=true')).length;
    const before = watches();
    const cut = Date.now();
    api.dropWatches();
    await waitFor(() => watches() > before, 5000, 'watch reopened');
    expect(Date.now() - cut).toBeLessThan(1200); // at most 200 ms plus a loaded box; 1.6-3.2 s without the reset
    expect(inf.stats().errors).toBe(5);
  });

  it.each([
    { name: 'ERROR event with code 410', goneAsHttp: false },
    { name: 'HTTP 410 response', goneAsHttp: true },
  ])('relists on $name and deletes objects missing from the relist', async ({ goneAsHttp }) => {
    api.goneAsHttp = goneAsHttp;
    api.put(PODS, pod('keep'));
    api.put(PODS, pod('gone'));
    const { inf, log } = make();
    inf.start();
    await waitFor(() => inf.hasSynced());
    await waitFor(() => api.requests.some((r) => r.includes('watch=true')));
    api.removeSilently(PODS, 'gone', 'default');
    api.put(PODS, pod('new'));
    api.compact();
    api.dropWatches();
    await waitFor(() => log.includes('delete gone'), 5000, 'delete after relist');
    expect(names(inf)).toEqual(['keep', 'new']);
    expect(inf.stats().relists).toBe(1);
    expect(log.filter((l) => l.startsWith('delete'))).toEqual(['delete gone']);
    // The watch continues after the relist.
    api.put(PODS, pod('later'));
    await waitFor(() => inf.get('default/later'));
  });

  it('keeps the namespace index in step with watch events and relists', async () => {
    api.put(PODS, pod('a', 'one'));
    api.put(PODS, pod('b', 'one'));
    api.put(PODS, pod('c', 'two'));
    const { inf, log } = make();
    inf.start();
    await waitFor(() => inf.hasSynced());
    await waitFor(() => api.requests.some((r) => r.includes('watch=true')));
    const byNs = (ns: string) => inf.listNamespace(ns).map((o) => o.metadata.name).sort();
    expect([byNs('one'), byNs('two'), byNs('three')]).toEqual([['a', 'b'], ['c'], []]);
    api.put(PODS, pod('d', 'two'));
    api.put(PODS, pod('a', 'one', {}, false));
    api.remove(PODS, 'b', 'one');
    await waitFor(() => log.includes('delete b'));
    expect([byNs('one'), byNs('two')]).toEqual([['a'], ['c', 'd']]);
    expect(inf.listNamespace('one')[0]!.status).toEqual(inf.get('one/a')!.status);
    api.removeSilently(PODS, 'c', 'two');
    api.put(PODS, pod('e', 'three'));
    api.compact();
    api.dropWatches();
    await waitFor(() => log.includes('delete c'), 5000, 'delete after relist');
    expect([byNs('one'), byNs('two'), byNs('three')]).toEqual([['a'], ['d'], ['e']]);
  });

  it('keeps its cache while the API is down and converges after a restart on the same port', async () => {
    api.put(PODS, pod('a'));
    api.put(PODS, pod('b'));
    const { inf } = make();
    inf.start();
    await waitFor(() => inf.hasSynced());
    await waitFor(() => api.requests.some((r) => r.includes('watch=true')));
    const port = api.port;
    await api.stop();
    await new Promise((r) => setTimeout(r, 300));
    expect(names(inf)).toEqual(['a', 'b']); // last known state is kept
    expect(inf.stats().errors).toBeGreaterThan(0);
    // Changes while down, and history compacted as after an etcd restart.
    api.removeSilently(PODS, 'a', 'default');
    api.put(PODS, pod('c'));
    api.compact();
    await api.start(port);
    await waitFor(() => names(inf).join() === 'b,c', 5000, 'convergence');
    api.put(PODS, pod('d'));
    await waitFor(() => inf.get('default/d'));
  });

  it('retries injected 500s with backoff and still syncs', async () => {
    api.put(PODS, pod('a'));
    api.failNext = 3;
    const { inf } = make();
    inf.start();
    await waitFor(() => inf.hasSynced(), 5000);
    expect(inf.stats().errors).toBe(3);
  });

  it('survives a throwing handler: other handlers and later events still run', async () => {
    const { inf, log } = make();
    inf.on('add', () => {
      throw new Error('boom');
    });
    inf.on('synced', () => {
      throw new Error('boom in synced');
    });
    inf.start();
    await waitFor(() => inf.hasSynced());
    api.put(PODS, pod('x'));
    api.put(PODS, pod('y'));
    await waitFor(() => inf.get('default/y'));
    expect(log).toEqual(['add x', 'add y']);
    expect(inf.stats().handlerErrors).toBe(3);
  });

  it.each([
    { name: 'label selector', opts: { labelSelector: 'app=web' }, want: ['w1', 'w2'] },
    { name: 'field selector', opts: { fieldSelector: 'metadata.name=w1' }, want: ['w1'] },
    { name: 'namespaced path', opts: { path: '/api/v1/namespaces/other/pods' }, want: ['o1'] },
  ])('filters by $name, for the list and the watch', async ({ opts, want }) => {
    api.put(PODS, pod('w1', 'default', { app: 'web' }));
    api.put(PODS, pod('n1', 'default', { app: 'db' }));
    const { inf } = make(opts);
    inf.start();
    await waitFor(() => inf.hasSynced());
    await waitFor(() => api.requests.some((r) => r.includes('watch=true')));
    api.put(PODS, pod('w2', 'default', { app: 'web' }));
    api.put(PODS, pod('o1', 'other', { app: 'db' }));
    api.put(PODS, pod('n2', 'default', {}));
    await waitFor(() => names(inf).join() === want.join(), 5000, `exactly ${want.join()}`);
    // Nothing else trickles in later.
    await new Promise((r) => setTimeout(r, 100));
    expect(names(inf)).toEqual(want);
  });

  it('re-emits updates on resync and stops promptly while backing off', async () => {
    api.put(PODS, pod('a'));
    const { inf, log } = make({ resyncMs: 50 });
    inf.start();
    await waitFor(() => log.filter((l) => l === 'update a').length >= 2, 3000, 'resync updates');
    await api.stop();
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await inf.stop();
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it.each([
    { name: '403 Forbidden (RBAC)', setup: (api: FakeApi) => { api.forbidden.add(PODS); }, path: PODS },
    { name: '404 Not Found (group not served)', setup: () => undefined, path: '/not/served' },
  ])('optional resource, $name: synced empty, told once, never retried', async ({ setup, path }) => {
    setup(api);
    const told: number[] = [];
    const { inf } = make({ path, onUnavailable: (err) => told.push(err.code) });
    inf.start();
    await waitFor(() => inf.hasSynced(), 5000, 'sync');
    await new Promise((r) => setTimeout(r, 200));
    expect(told).toHaveLength(1);
    expect(inf.list()).toEqual([]);
    expect(inf.stats().errors).toBe(0);
    expect(api.requests).toHaveLength(1);
  });

  it('without onUnavailable a 403 is retried like any failure', async () => {
    api.forbidden.add(PODS);
    const { inf } = make();
    inf.start();
    await waitFor(() => inf.stats().errors >= 2, 5000, 'retries');
    expect(inf.hasSynced()).toBe(false);
    api.forbidden.clear();
    api.put(PODS, pod('a'));
    await waitFor(() => inf.hasSynced(), 5000, 'sync once allowed');
    expect(names(inf)).toEqual(['a']);
  });

  it('skips objects whose transform throws without stopping', async () => {
    api.put(PODS, pod('bad'));
    api.put(PODS, pod('good'));
    const { inf } = make({
      transform: (raw: Obj) => {
        if (raw.metadata.name.startsWith('bad')) throw new Error('bad object');
        return { metadata: raw.metadata };
      },
    });
    inf.start();
    await waitFor(() => inf.hasSynced());
    expect(names(inf)).toEqual(['good']);
    expect(Object.keys(inf.get('default/good')!)).toEqual(['metadata']);
    api.put(PODS, pod('bad2'));
    api.put(PODS, pod('good2'));
    await waitFor(() => inf.get('default/good2'));
  });
});
