// In-process clients reach the embedded API over a private Unix socket (src/kube/loopback.ts,
// src/local/api/loopback.ts); everyone else keeps the TLS listener.
import { request } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeApi } from '../../../src/controller/rest.ts';
import { getJson } from '../../../src/kube/client.ts';
import { LoopbackKubeConfig } from '../../../src/kube/loopback.ts';
import { pooled } from '../../../src/kube/pooled.ts';
import { startLocalApi, type LocalApi } from '../../../src/local/api/index.ts';
import { silentLogger } from '../../../src/log.ts';

/** A raw GET on the socket: status code and body. */
function rawGet(socketPath: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('loopback socket of the embedded API', () => {
  let api: LocalApi;
  let kc: LoopbackKubeConfig;
  beforeAll(async () => {
    api = await startLocalApi({ listen: '127.0.0.1:0', log: silentLogger() });
    const made = api.kubeConfig();
    expect(made).toBeInstanceOf(LoopbackKubeConfig);
    kc = made as LoopbackKubeConfig;
  });
  afterAll(async () => {
    await kc.release();
    await api?.close();
  });

  it('lives in a directory only this user can enter', () => {
    expect(statSync(kc.socketPath).isSocket()).toBe(true);
    expect(statSync(dirname(kc.socketPath)).mode & 0o777).toBe(0o700);
  });

  it('asks for the token as the TLS listener does', async () => {
    const anonymous = await rawGet(kc.socketPath, '/api/v1/namespaces');
    expect(anonymous.status).toBe(401);
    const wrong = await rawGet(kc.socketPath, '/api/v1/namespaces', { Authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const right = await rawGet(kc.socketPath, '/api/v1/namespaces', { Authorization: `Bearer ${api.token}` });
    expect(right.status).toBe(200);
    expect((JSON.parse(right.body) as { kind: string }).kind).toBe('NamespaceList');
  });

  it.each([
    { client: 'client-node typed client', list: async (k: KubeConfig) => (await k.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name) },
    { client: 'list/watch transport (kube/client.ts)', list: async (k: KubeConfig) => (await getJson<{ items: { metadata: { name: string } }[] }>(k, '/api/v1/namespaces', {}, new AbortController().signal)).items.map((n) => n.metadata.name) },
    { client: 'controller writes (controller/rest.ts)', list: async (k: KubeConfig) => (await kubeApi(k).get<{ items: { metadata: { name: string } }[] }>('/api/v1/namespaces')).items.map((n) => n.metadata.name) },
  ])('serves the $client', async ({ list }) => {
    expect(await list(kc)).toContain('default');
    const copy = pooled(kc);
    try {
      expect(await list(copy)).toContain('kube-system');
    } finally {
      await copy.release();
    }
  });

  it('writes go through it and show on the TLS side', async () => {
    await kubeApi(kc).create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'via-loopback' } });
    const tls = new KubeConfig();
    tls.loadFromString(kc.exportConfig());
    const ns = await tls.makeApiClient(CoreV1Api).readNamespace({ name: 'via-loopback' });
    expect(ns.metadata?.name).toBe('via-loopback');
  });

  it('exports the TLS kubeconfig, for other processes', () => {
    const exported = new KubeConfig();
    exported.loadFromString(kc.exportConfig());
    expect(exported.getCurrentCluster()?.server).toBe(api.url);
    expect(api.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('loopback socket lifecycle', () => {
  it('is removed on close', async () => {
    const api = await startLocalApi({ listen: '127.0.0.1:0', log: silentLogger() });
    const kc = api.kubeConfig() as LoopbackKubeConfig;
    expect(existsSync(kc.socketPath)).toBe(true);
    await api.close();
    expect(existsSync(dirname(kc.socketPath))).toBe(false);
  });

  it('falls back to TLS when no socket can be made (a temp dir past sun_path)', async () => {
    const deep = join(mkdtempSync(join(tmpdir(), 'ordinal-deep-')), 'x'.repeat(120));
    mkdirSync(deep);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = deep;
    let api: LocalApi | undefined;
    try {
      api = await startLocalApi({ listen: '127.0.0.1:0', log: silentLogger() });
      const kc = api.kubeConfig();
      expect(kc).not.toBeInstanceOf(LoopbackKubeConfig);
      expect(kc.getCurrentCluster()?.server).toBe(api.url);
      expect((await kc.makeApiClient(CoreV1Api).listNamespace()).items.length).toBeGreaterThan(0);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await api?.close();
      rmSync(dirname(deep), { recursive: true, force: true });
    }
  });
});

describe('loopback socket in a data dir', () => {
  it('sits in <dataDir>/loopback (0700), replaces what a killed process left, and is removed on close', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ordinal-lbdata-'));
    try {
      mkdirSync(join(dataDir, 'loopback'), { mode: 0o755 });
      writeFileSync(join(dataDir, 'loopback', 'api.sock'), 'left by a kill -9');
      const api = await startLocalApi({ listen: '127.0.0.1:0', dataDir, log: silentLogger() });
      const kc = api.kubeConfig() as LoopbackKubeConfig;
      try {
        expect(kc.socketPath).toBe(join(dataDir, 'loopback', 'api.sock'));
        expect(statSync(kc.socketPath).isSocket()).toBe(true);
        expect(statSync(join(dataDir, 'loopback')).mode & 0o777).toBe(0o700);
        expect((await kc.makeApiClient(CoreV1Api).listNamespace()).items.length).toBeGreaterThan(0);
      } finally {
        await kc.release();
        await api.close();
      }
      expect(existsSync(kc.socketPath)).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
