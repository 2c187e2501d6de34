/**
 * The npm package, installed the way a user installs it (`npm pack`, then `npm install -g` of
 * the tarball into a temporary prefix): the installed `ordinal` runs compiled JavaScript, says
 * which Node it needs under an old one, reports its version and commit, runs `ordinal local`
 * that the real kubectl drives (protobuf `create namespace`, `create -f` of the book's List of
 * PVs, `apply` of a StatefulSet) and whose pods dig resolves, and serves a static zone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './harness/bins.ts';
import { dig } from './harness/dig.ts';
import { installedPackage, type InstalledPackage } from './harness/package.ts';
import { freeDnsPort, run, waitFor } from './harness/util.ts';
import { startLocalCluster, type LocalCluster } from './local-cluster.ts';

let pkg: InstalledPackage;
beforeAll(async () => { pkg = await installedPackage(); }, 600_000);

describe('the installed package', () => {
  it('holds compiled JavaScript and the deploy/ files, and no sources, tests or benchmarks', () => {
    expect(existsSync(join(pkg.dir, 'dist/cli/main.js'))).toBe(true);
    expect(existsSync(join(pkg.dir, 'dist/build-info.json'))).toBe(true);
    expect(existsSync(join(pkg.dir, 'deploy/examples/kubia.yaml'))).toBe(true);
    expect(existsSync(join(pkg.dir, 'CHANGELOG.md'))).toBe(true);
    expect(existsSync(join(pkg.dir, 'native/build/ordinal_udp.node'))).toBe(true);
    for (const absent of ['src', 'test', 'bench', 'scripts/build.mjs', 'scripts/image.sh', 'node_modules/vitest', 'node_modules/typescript', 'node_modules/node']) {
      expect(existsSync(join(pkg.dir, absent)), absent).toBe(false);
    }
  });

  it('ordinal version prints the version and the commit it was built from', async () => {
    const r = await run(pkg.bin, ['version'], { env: pkg.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`ordinal ${pkg.version} (commit ${pkg.commit}, built, node ${process.version})\n`);
  });

  it('under a Node older than 22.19 prints one line naming the Node it needs, and exits 1', async () => {
    // The machine's own Node (Debian's, v20 on these machines) is the old one the package refuses.
    const old = await run('/usr/bin/node', ['--version']);
    const [major, minor] = old.stdout.trim().slice(1).split('.').map(Number) as [number, number];
    expect(old.code, 'this test needs an old Node at /usr/bin/node').toBe(0);
    expect(major < 22 || (major === 22 && minor < 19), `/usr/bin/node is ${old.stdout.trim()}, not older than 22.19`).toBe(true);
    const env = { ...pkg.env, PATH: `${join(pkg.bin, '..')}:/usr/bin:/bin` };
    for (const args of [['version'], ['local'], ['serve', '--manifests', 'x.yaml']]) {
      const r = await run('ordinal', args, { env });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^ordinal: needs Node\.js >=22\.19 \(this is v\d+\.\d+\.\d+\); install Node\.js 24/)]);
    }
  });
});

describe('the installed ordinal local, driven by kubectl and dig', () => {
  let c: LocalCluster;
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-e2e-pkg-manifests-'));
  beforeAll(async () => {
    // The book's manifests, split as a reader applies them: the List of PVs, then the Service
    // and the StatefulSet. `ordinal local` starts with an unrelated manifest instead of them.
    const docs = parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy/examples/kubia.yaml'), 'utf8')).map((d) => d.toString());
    writeFileSync(join(dir, 'pvs.yaml'), docs.find((d) => /kind: List/.test(d))!);
    writeFileSync(join(dir, 'kubia.yaml'), docs.filter((d) => !/kind: List/.test(d)).join('---\n'));
    writeFileSync(join(dir, 'boot.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: boot}\n');
    c = await startLocalCluster([join(dir, 'boot.yaml'), '--ready-delay', '200ms'], { command: pkg.bin, env: pkg.env });
  }, 120_000);
  afterAll(async () => { await c?.stop(); });

  it('kubectl create namespace (a protobuf body)', async () => {
    expect(await c.k('create', 'namespace', 'book')).toBe('namespace/book created\n');
    expect(await c.k('get', 'namespace', 'book', '-o', 'jsonpath={.status.phase}')).toBe('Active');
  });

  it('kubectl create -f the List of PVs, then apply the StatefulSet (OpenAPI validation on)', async () => {
    expect(await c.k('create', '-f', join(dir, 'pvs.yaml'))).toBe('persistentvolume/pv-a created\npersistentvolume/pv-b created\npersistentvolume/pv-c created\n');
    expect(await c.k('apply', '-f', join(dir, 'kubia.yaml'))).toBe('service/kubia created\nstatefulset.apps/kubia created\n');
  });

  it('dig resolves each pod and the SRV peer list', async () => {
    const ips = await waitFor(async () => {
      const pods = await c.json<{ items: Array<{ metadata: { name: string }; status: { podIP?: string; conditions?: Array<{ type: string; status: string }> } }> }>('get', 'pods', '-l', 'app=kubia');
      const ready = pods.items.filter((p) => p.status.conditions?.some((k) => k.type === 'Ready' && k.status === 'True'));
      return ready.length === 2 ? new Map(ready.map((p) => [p.metadata.name, p.status.podIP!])) : undefined;
    }, 60_000, { what: 'kubia-0 and kubia-1 Ready' });
    for (const [name, ip] of ips) {
      const r = await waitFor(async () => { const d = await dig(c.dnsPort, `${name}.kubia.default.svc.cluster.local`); return d.answers.length ? d : undefined; }, 10_000, { what: `${name} in DNS` });
      expect(r.answers.map((a) => a.split(/\s+/).at(-1))).toEqual([ip]);
    }
    const srv = await dig(c.dnsPort, 'kubia.default.svc.cluster.local', 'SRV');
    expect(srv.answers.map((a) => a.split(/\s+/).at(-1)).sort()).toEqual(['kubia-0.kubia.default.svc.cluster.local.', 'kubia-1.kubia.default.svc.cluster.local.']);
  });
});

describe('the installed ordinal serve --manifests', () => {
  let proc: ChildProcess;
  let port: number;
  beforeAll(async () => {
    port = await freeDnsPort();
    proc = spawn(pkg.bin, ['serve', '--manifests', join(pkg.dir, 'deploy/examples/dns-demo.yaml'), '--dns-listen', `127.0.0.1:${port}`,
      '--http-listen', '127.0.0.1:0', '--log-level', 'warn', '--udp-io', 'batch'], { env: pkg.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    await waitFor(() => /dns listening/.test(out), 30_000, { what: `ordinal serve to listen; output so far:\n${out}` });
  });
  afterAll(() => { proc?.kill('SIGTERM'); });

  it('answers dig from the static zone, through the UDP addon that npm install built', async () => {
    const r = await dig(port, 'web-0.nginx.default.svc.cluster.local');
    expect(r.status).toBe('NOERROR');
    expect(r.answers).toHaveLength(1);
  });
});
