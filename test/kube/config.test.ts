import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeConfigError, loadKubeConfig } from '../../src/kube/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'ordinal-kc-'));
const kubeconfig = join(dir, 'config');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters:
- name: one
  cluster: { server: https://one.example:6443, insecure-skip-tls-verify: true }
- name: two
  cluster: { server: https://two.example:6443, insecure-skip-tls-verify: true }
users:
- name: u
  user: { token: abc }
contexts:
- name: ctx-one
  context: { cluster: one, user: u }
- name: ctx-two
  context: { cluster: two, user: u }
current-context: ctx-one
`,
);
const noCurrent = join(dir, 'nocurrent');
writeFileSync(noCurrent, 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
const sa = join(dir, 'sa');
mkdirSync(sa);
writeFileSync(join(sa, 'token'), 'sa-token');
writeFileSync(join(sa, 'ca.crt'), 'not really a cert');
writeFileSync(join(sa, 'namespace'), 'ordinal-system\n');
const emptyHome = join(dir, 'home');
mkdirSync(emptyHome);
const homeWithConfig = join(dir, 'home2');
mkdirSync(join(homeWithConfig, '.kube'), { recursive: true });
writeFileSync(join(homeWithConfig, '.kube', 'config'), `apiVersion: v1\nkind: Config\nclusters: [{name: h, cluster: {server: 'https://home:6443'}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: h, context: {cluster: h, user: u}}]\ncurrent-context: h\n`);

const inClusterEnv = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

describe('loadKubeConfig', () => {
  it.each([
    { name: 'explicit file, current context', opts: { kubeconfig }, server: 'https://one.example:6443' },
    { name: 'explicit file, chosen context', opts: { kubeconfig, context: 'ctx-two' }, server: 'https://two.example:6443' },
    { name: 'KUBECONFIG env', opts: { env: { KUBECONFIG: kubeconfig }, home: emptyHome }, server: 'https://one.example:6443' },
    { name: '~/.kube/config', opts: { env: {}, home: homeWithConfig }, server: 'https://home:6443' },
    { name: 'kubeconfig wins over in-cluster', opts: { kubeconfig, env: inClusterEnv, serviceAccountDir: sa }, server: 'https://one.example:6443' },
    { name: 'in-cluster service account', opts: { env: inClusterEnv, home: emptyHome, serviceAccountDir: sa }, server: 'https://10.96.0.1:443' },
    { name: 'in-cluster IPv6', opts: { env: { ...inClusterEnv, KUBERNETES_SERVICE_HOST: 'fd00::1' }, home: emptyHome, serviceAccountDir: sa }, server: 'https://[fd00::1]:443' },
  ])('$name', ({ opts, server }) => {
    expect(loadKubeConfig(opts).getCurrentCluster()?.server).toBe(server);
  });

  it('in-cluster config authenticates with the mounted token and trusts the mounted CA', async () => {
    const kc = loadKubeConfig({ env: inClusterEnv, home: emptyHome, serviceAccountDir: sa });
    const o: { headers?: Record<string, string>; ca?: Buffer } = {};
    await kc.applyToHTTPSOptions(o);
    expect(o.headers?.Authorization).toBe('Bearer sa-token');
    expect(o.ca?.toString()).toBe('not really a cert');
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('ordinal-system');
  });

  it.each([
    { name: 'missing file', opts: { kubeconfig: join(dir, 'nope') }, msg: /does not exist/ },
    { name: 'unknown context', opts: { kubeconfig, context: 'ctx-three' }, msg: /context "ctx-three" not found.*ctx-one, ctx-two/ },
    { name: 'no current context', opts: { kubeconfig: noCurrent }, msg: /no current-context/ },
    { name: 'nothing configured', opts: { env: {}, home: emptyHome }, msg: /no Kubernetes API configured: pass --kubeconfig/ },
    { name: 'in-cluster without token', opts: { env: inClusterEnv, home: emptyHome, serviceAccountDir: emptyHome }, msg: /token is missing/ },
    { name: 'context without kubeconfig', opts: { env: inClusterEnv, home: emptyHome, serviceAccountDir: sa, context: 'x' }, msg: /--context "x" given but no kubeconfig/ },
  ])('fails clearly: $name', ({ opts, msg }) => {
    expect(() => loadKubeConfig(opts)).toThrow(KubeConfigError);
    expect(() => loadKubeConfig(opts)).toThrow(msg);
  });
});
