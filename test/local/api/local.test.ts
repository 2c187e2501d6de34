// Behaviour specific to the embedded server: compaction (410) and relist, persistence across
// restart and kill -9, transport-level bad input, namespace deletion, kubeconfig.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApi, type LocalApi } from '../../../src/local/api/index.ts';
import { pod, statefulSet } from './conformance-suite.ts';
import { capture, eventually, expectStatus } from './helpers.ts';

interface RawResponse { status: number; body: Record<string, unknown> }

function raw(api: LocalApi, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}${path}`, {
      method, ca: api.caPem,
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json', ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('embedded API server', () => {
  let api: LocalApi;
  let core: CoreV1Api;
  beforeAll(async () => {
    api = await startLocalApi({ listen: '127.0.0.1:0' });
    core = api.kubeConfig().makeApiClient(CoreV1Api);
  });
  afterAll(async () => api.close());

  it('writes a kubeconfig that client-node loads', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    expect(kc.getCurrentContext()).toBe('ordinal');
    const nss = await kc.makeApiClient(CoreV1Api).listNamespace();
    expect(nss.items.map((n) => n.metadata?.name).sort()).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  });

  it('answers a watch from a compacted resourceVersion with ERROR 410 Expired, and a relist recovers', async () => {
    const list = await core.listNamespacedPod({ namespace: 'default' });
    await core.createNamespacedPod({ namespace: 'default', body: pod('compact-a') });
    api.store.compact();
    const w = await capture(api.kubeConfig(), '/api/v1/namespaces/default/pods', { resourceVersion: list.metadata!.resourceVersion });
    await w.done;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]!.type).toBe('ERROR');
    expect(w.events[0]!.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    const relist = await core.listNamespacedPod({ namespace: 'default' });
    expect(relist.items.map((p) => p.metadata?.name)).toContain('compact-a');
    const w2 = await capture(api.kubeConfig(), '/api/v1/namespaces/default/pods', { resourceVersion: relist.metadata!.resourceVersion });
    await core.createNamespacedPod({ namespace: 'default', body: pod('compact-b') });
    await eventually(async () => w2.events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'compact-b'));
    w2.stop();
  });

  it('compacts the history every compaction interval, to where it stood one tick before', async () => {
    const a = await startLocalApi({ listen: '127.0.0.1:0', compactionIntervalMs: 150 });
    try {
      const c = a.kubeConfig().makeApiClient(CoreV1Api);
      const old = (await c.listNamespacedPod({ namespace: 'default' })).metadata!.resourceVersion!;
      await c.createNamespacedPod({ namespace: 'default', body: pod('tick-a') });
      // The first tick compacts to the startup revision, the next one past `old`.
      await eventually(async () => a.store.oldestWatchableRv() > Number(old));
      const w = await capture(a.kubeConfig(), '/api/v1/namespaces/default/pods', { resourceVersion: old });
      await w.done;
      expect(w.events[0]!.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
      const recent = (await c.listNamespacedPod({ namespace: 'default' })).metadata!.resourceVersion!;
      const w2 = await capture(a.kubeConfig(), '/api/v1/namespaces/default/pods', { resourceVersion: recent });
      await c.createNamespacedPod({ namespace: 'default', body: pod('tick-b') });
      await eventually(async () => w2.events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'tick-b'));
      w2.stop();
    } finally {
      await a.close();
    }
  });

  it('expires a continue token older than the compaction with 410', async () => {
    for (const n of ['pg-1', 'pg-2', 'pg-3']) await core.createNamespacedPod({ namespace: 'default', body: pod(n, { page: 'y' }) });
    const first = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'page=y', limit: 1 });
    await core.createNamespacedPod({ namespace: 'default', body: pod('pg-4', { page: 'y' }) });
    api.store.compact();
    await expectStatus(core.listNamespacedPod({ namespace: 'default', labelSelector: 'page=y', limit: 1, _continue: first.metadata!._continue }), 410, 'Expired');
  });

  it.each([
    ['malformed JSON', 'POST', '/api/v1/namespaces/default/pods', '{"metadata": ', {}, 400, 'BadRequest'],
    ['wrong kind', 'POST', '/api/v1/namespaces/default/pods', JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }), {}, 400, 'BadRequest'],
    ['wrong apiVersion', 'POST', '/api/v1/namespaces/default/pods', JSON.stringify({ apiVersion: 'apps/v1', kind: 'Pod', metadata: { name: 'x' } }), {}, 400, 'BadRequest'],
    ['unsupported media type', 'POST', '/api/v1/namespaces/default/pods', 'x', { 'content-type': 'text/csv' }, 415, 'UnsupportedMediaType'],
    ['unknown resource', 'GET', '/api/v1/widgets', undefined, {}, 404, 'NotFound'],
    ['unknown group', 'GET', '/apis/example.com/v1/things', undefined, {}, 404, 'NotFound'],
    ['method not allowed', 'PUT', '/api/v1/namespaces/default/pods', '{}', {}, 405, 'MethodNotAllowed'],
    ['bad label selector', 'GET', '/api/v1/pods?labelSelector=a%20in%20(', undefined, {}, 400, 'BadRequest'],
    ['unknown patch type', 'PATCH', '/api/v1/namespaces/default/pods/compact-a', '{}', { 'content-type': 'application/json' }, 415, 'UnsupportedMediaType'],
    ['no token', 'GET', '/api/v1/pods', undefined, { authorization: '' }, 401, 'Unauthorized'],
    ['wrong token', 'GET', '/api/v1/pods', undefined, { authorization: 'Bearer nope' }, 401, 'Unauthorized'],
  ] as const)('answers %s with a %d Status and changes nothing', async (_what, method, path, body, headers, code, reason) => {
    const before = api.store.currentRv();
    const res = await raw(api, method, path, body, headers);
    expect(res.status).toBe(code);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', code, reason });
    expect(api.store.currentRv()).toBe(before);
  });

  it('rejects an oversized body with 413', async () => {
    const small = await startLocalApi({ listen: '127.0.0.1:0', maxBodyBytes: 1024 });
    try {
      const big = JSON.stringify({ metadata: { name: 'big', annotations: { a: 'x'.repeat(4096) } }, spec: pod('big').spec });
      const res = await raw(small, 'POST', '/api/v1/namespaces/default/pods', big);
      expect(res.status).toBe(413);
      expect(res.body.reason).toBe('RequestEntityTooLarge');
      expect(small.store.get('pods', 'default', 'big')).toBeUndefined();
    } finally {
      await small.close();
    }
  });

  it('serves health endpoints without a token', async () => {
    for (const p of ['/healthz', '/readyz', '/livez']) {
      const status = await new Promise<number>((resolve, reject) => {
        request(`${api.url}${p}`, { ca: api.caPem }, (res) => { res.resume(); resolve(res.statusCode!); }).on('error', reject).end();
      });
      expect(status).toBe(200);
    }
  });

  it('serves /metrics to a client with the token: objects stored per resource, read at scrape time', async () => {
    const scrape = (token?: string): Promise<{ status: number; type: string; text: string }> => new Promise((resolve, reject) => {
      request(`${api.url}/metrics`, { ca: api.caPem, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), text: Buffer.concat(chunks).toString() }));
      }).on('error', reject).end();
    });
    const gauge = (text: string, series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      if (!line) throw new Error(`no ${series} in /metrics`);
      return Number(line.slice(series.length + 1));
    };
    expect((await scrape()).status).toBe(401);
    const pods = 'apiserver_storage_objects{resource="pods"}';
    const sets = 'apiserver_storage_objects{resource="statefulsets.apps"}';
    await core.createNamespace({ body: { metadata: { name: 'metered' } } });
    const apps = api.kubeConfig().makeApiClient(AppsV1Api);
    const before = await scrape(api.token);
    expect(before.status).toBe(200);
    expect(before.type).toMatch(/^text\/plain/);
    const steps: Array<{ act: () => Promise<unknown>; series: string; delta: number }> = [
      { act: () => core.createNamespacedPod({ namespace: 'metered', body: pod('m-0', {}, { nodeName: 'n1' }) }), series: pods, delta: 1 },
      { act: () => core.createNamespacedPod({ namespace: 'metered', body: pod('m-1', {}, { nodeName: 'n1' }) }), series: pods, delta: 2 },
      { act: () => core.deleteNamespacedPod({ name: 'm-0', namespace: 'metered', gracePeriodSeconds: 0 }), series: pods, delta: 1 },
      { act: () => apps.createNamespacedStatefulSet({ namespace: 'metered', body: statefulSet('m', 1) }), series: sets, delta: 1 },
    ];
    for (const s of steps) {
      await s.act();
      const now = await scrape(api.token);
      expect(gauge(now.text, s.series) - gauge(before.text, s.series)).toBe(s.delta);
      // Every write is one resourceVersion, and the watch history keeps each event.
      expect(gauge(now.text, 'ordinal_api_resource_version')).toBe(api.store.currentRv());
      expect(gauge(now.text, 'ordinal_api_watch_history_events')).toBe(api.store.historySize());
    }
    // Resources with nothing stored are there too, at 0.
    expect(gauge(before.text, 'apiserver_storage_objects{resource="persistentvolumes"}')).toBe(0);
  });

  it('deletes a namespace with its contents, Terminating meanwhile', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedPod({ namespace: 'doomed', body: pod('bound', {}, { nodeName: 'n1' }) });
    await core.deleteNamespace({ name: 'doomed' });
    const ns = await core.readNamespace({ name: 'doomed' });
    expect(ns.status?.phase).toBe('Terminating');
    await expectStatus(core.createNamespacedPod({ namespace: 'doomed', body: pod('late') }), 403, 'Forbidden');
    // The bound pod waits for its kubelet: finish it as the kubelet would.
    await eventually(async () => (await core.readNamespacedPod({ name: 'bound', namespace: 'doomed' })).metadata?.deletionTimestamp);
    await core.deleteNamespacedPod({ name: 'bound', namespace: 'doomed', gracePeriodSeconds: 0 });
    await eventually(async () => core.readNamespace({ name: 'doomed' }).then(() => false, () => true), 10_000, 'namespace gone');
  });
});

describe('persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-api-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Without a data dir or a kubeconfig path the kubeconfig goes to a temporary directory of the
  // server's own, and close() removes it; a kubeconfig the user placed stays where it is.
  it.each([
    { name: 'in memory: a temporary directory, removed on close', opts: (): object => ({}), kept: false },
    { name: 'with a data dir: kept', opts: (): object => ({ dataDir: join(dir, 'kept') }), kept: true },
    { name: 'with a kubeconfig path: kept', opts: (): object => ({ kubeconfigPath: join(dir, 'kc') }), kept: true },
  ])('kubeconfig $name', async ({ opts, kept }) => {
    const api = await startLocalApi({ listen: '127.0.0.1:0', ...opts() });
    expect(readFileSync(api.kubeconfigPath, 'utf8')).toContain(api.token);
    await api.close();
    expect(existsSync(api.kubeconfigPath)).toBe(kept);
    if (!kept) expect(existsSync(dirname(api.kubeconfigPath))).toBe(false);
  });

  it('keeps state, credentials and resourceVersions across a restart', async () => {
    const a = await startLocalApi({ listen: '127.0.0.1:0', dataDir: join(dir, 'restart') });
    const sts = await a.kubeConfig().makeApiClient(AppsV1Api).createNamespacedStatefulSet({ namespace: 'default', body: statefulSet('kubia') });
    const rv = a.store.currentRv();
    const kubeconfig = readFileSync(a.kubeconfigPath, 'utf8');
    await a.close();
    const b = await startLocalApi({ listen: '127.0.0.1:0', dataDir: join(dir, 'restart') });
    try {
      expect(b.token).toBe(a.token);
      expect(b.caPem).toBe(a.caPem);
      expect(readFileSync(b.kubeconfigPath, 'utf8')).not.toBe(''); // rewritten with the new port
      expect(kubeconfig).toContain(a.token);
      expect(b.store.currentRv()).toBe(rv);
      const got = await b.kubeConfig().makeApiClient(AppsV1Api).readNamespacedStatefulSet({ name: 'kubia', namespace: 'default' });
      expect(got.metadata?.uid).toBe(sts.metadata?.uid);
      const p = await b.kubeConfig().makeApiClient(CoreV1Api).createNamespacedPod({ namespace: 'default', body: pod('after') });
      expect(Number(p.metadata?.resourceVersion)).toBeGreaterThan(rv);
    } finally {
      await b.close();
    }
  });

  it('loses nothing acknowledged when the process is killed with SIGKILL', async () => {
    const data = join(dir, 'kill');
    const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures/serve.ts'), data], { stdio: ['ignore', 'pipe', 'inherit'] });
    const info = await new Promise<{ url: string; token: string }>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0]!) as { url: string; token: string });
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    const kc = new KubeConfig();
    kc.loadFromFile(join(data, 'kubeconfig'));
    const c = kc.makeApiClient(CoreV1Api);
    const uids: string[] = [];
    for (let i = 0; i < 20; i++) uids.push((await c.createNamespacedPod({ namespace: 'default', body: pod(`k-${i}`) })).metadata!.uid!);
    // Concurrent writes share group commits (one fdatasync per batch): each is still durable once acknowledged.
    const together = await Promise.all(Array.from({ length: 30 }, (_, i) => c.createNamespacedPod({ namespace: 'default', body: pod(`g-${i}`) })));
    uids.push(...together.map((p) => p.metadata!.uid!));
    await c.deleteNamespacedPod({ name: 'k-0', namespace: 'default' });
    const lastRv = (await c.listNamespacedPod({ namespace: 'default' })).metadata!.resourceVersion!;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const b = await startLocalApi({ listen: '127.0.0.1:0', dataDir: data });
    try {
      expect(b.token).toBe(info.token);
      const pods = await b.kubeConfig().makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default' });
      expect(pods.items.map((p) => p.metadata?.uid).sort()).toEqual(uids.slice(1).sort());
      expect(Number(pods.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(lastRv));
    } finally {
      await b.close();
    }
  });
});
