// Spawns the real CLI (bin/ordinal.js under this Node) and checks exit codes and messages.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildQuery, decode, tcpExchange, udpExchange } from '../helpers/dns-client.ts';

const BIN = path.resolve('bin/ordinal.js');
// The sources, even where a build left dist/ behind (the built package has its own e2e suite).
const ENV = { ...process.env, ORDINAL_FROM_SRC: '1' };
const DEMO = path.resolve('deploy/examples/dns-demo.yaml');

function run(args: string[], env: NodeJS.ProcessEnv = ENV): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Start `ordinal serve`, resolve with the process and the port it printed. */
function serve(args: string[], env: NodeJS.ProcessEnv = ENV): Promise<{ proc: ChildProcess; port: number; exited: Promise<number | null>; stderr: () => string }> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--log-level', 'warn', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stderr!.on('data', (d) => { err += d; });
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /dns listening on udp\+tcp [^\n]*:(\d+)/.exec(out);
      if (m) resolve({ proc, port: Number(m[1]), exited, stderr: () => err });
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

describe('usage errors exit 2 and name the flag', () => {
  it.each([
    { args: ['serve', '--ttl', '9999'], contains: '--ttl' },
    { args: ['serve', '--bogus'], contains: 'unknown flag --bogus' },
    { args: ['serve', '--endpoints-from', 'x'], contains: 'pods, endpointslices' },
    { args: ['serve', '--dns-listen', 'nope'], contains: '--dns-listen' },
    { args: ['query'], contains: 'needs a name' },
    { args: [], contains: 'missing command' },
  ])('$args', async ({ args, contains }) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`ordinal: `);
    expect(r.stderr).toContain(contains);
    expect(r.stderr).toContain('ordinal help');
  });
});

describe('runtime errors exit 1', () => {
  it('bad manifest: names the file, the document and the object', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ordinal-cli-'));
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  namespace: prod\n');
    const r = await run(['serve', '--manifests', file, '--dns-listen', '127.0.0.1:0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}, document 1: Service prod/(no name): metadata.name is missing`);
  });
  it('missing manifest path', async () => {
    const r = await run(['serve', '--manifests', '/nonexistent/dir']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/nonexistent/dir: no such file or directory');
  });
  it('serve without --manifests watches a cluster: a missing kubeconfig is a clear error', async () => {
    const r = await run(['serve', '--kubeconfig', '/nonexistent/kc', '--dns-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/nonexistent/kc');
  });
  it('query with no server listening fails with 1', async () => {
    const r = await run(['query', 'a.cluster.local', '--server', '127.0.0.1:1', '--tcp']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ordinal query:');
  });
});

describe('help and version', () => {
  it('help lists the flags', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--tcp-max-connections');
  });
  it('version: the package version and the commit of this checkout, from the sources', async () => {
    const r = await run(['--version']);
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`ordinal ${version} (commit ${head}${r.stdout.includes('-dirty') ? '-dirty' : ''}, sources, node ${process.version})\n`);
  });
});

describe('serve and query', () => {
  it('serves the demo manifest, answers ordinal query, and stops on SIGTERM with 0', async () => {
    const { proc, port, exited } = await serve(['--manifests', DEMO, '--dns-listen', '127.0.0.1:0', '--reverse-zone', 'in-addr.arpa']);
    try {
      const a = decode(await udpExchange(port, buildQuery('web-1.nginx.default.svc.cluster.local', 1)));
      expect(a.answers.map((r) => r.address)).toEqual(['10.244.2.11']);
      const q = await run(['query', '_web._tcp.nginx.default.svc.cluster.local', 'SRV', '--server', `127.0.0.1:${port}`, '--tcp']);
      expect(q.code).toBe(0);
      expect(q.stdout).toContain('status: NOERROR');
      expect(q.stdout).toMatch(/_web\._tcp\.nginx\.default\.svc\.cluster\.local\.\t5\tIN\tSRV\t0 50 8080 web-0\.nginx\.default\.svc\.cluster\.local\./);
      expect(q.stdout).toContain('(TCP)');
      const ptr = await run(['query', '10.244.2.11', 'PTR', '--server', `127.0.0.1:${port}`]);
      expect(ptr.stdout).toContain('PTR\tweb-1.nginx.default.svc.cluster.local.');
      const nx = await run(['query', 'web-9.nginx.default.svc.cluster.local', '--server', `127.0.0.1:${port}`]);
      expect(nx.code).toBe(0);
      expect(nx.stdout).toContain('status: NXDOMAIN');
    } finally {
      proc.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('--workers 2: two threads share the port; every UDP and TCP query is answered', async () => {
    const { proc, port, exited } = await serve(['--manifests', DEMO, '--dns-listen', '127.0.0.1:0', '--workers', '2']);
    try {
      // Different source ports hash to different SO_REUSEPORT sockets; every query must be answered.
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => udpExchange(port, buildQuery('api.default.svc.cluster.local', 1, { id: i }))));
      expect(replies.map((r) => decode(r).answers[0]?.address)).toEqual(Array(20).fill('10.96.0.20'));
      const tcp = await Promise.all(Array.from({ length: 6 }, () => tcpExchange(port, [buildQuery('web-0.nginx.default.svc.cluster.local', 28)])));
      expect(tcp.map(([r]) => decode(r!).answers[0]?.address)).toEqual(Array(6).fill('fd00:10:244:1::a'));
    } finally {
      proc.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

describe('--udp-io when the addon cannot load (missing build, wrong ABI)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ordinal-addon-'));
  const notElf = path.join(dir, 'ordinal_udp.node');
  await writeFile(notElf, 'not a shared object\n');
  it.each([
    { name: 'missing build', addon: path.join(dir, 'missing.node') },
    { name: 'not a loadable addon', addon: notElf },
  ])('$name: auto serves through dgram and warns once; batch refuses to start', async ({ addon }) => {
    const env = { ...ENV, ORDINAL_UDP_ADDON: addon };
    const { proc, port, exited, stderr } = await serve(['--manifests', DEMO, '--dns-listen', '127.0.0.1:0', '--udp-io', 'auto', '--workers', '2'], env);
    try {
      const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => udpExchange(port, buildQuery('api.default.svc.cluster.local', 1, { id: i }))));
      expect(replies.map((r) => decode(r).answers[0]?.address)).toEqual(Array(8).fill('10.96.0.20'));
    } finally {
      proc.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    // The main thread decides for its workers: one line, naming the reason.
    const warnings = stderr().split('\n').filter((l) => l.includes('batched UDP addon not loaded'));
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain(addon);
    const r = await run(['serve', '--manifests', DEMO, '--dns-listen', '127.0.0.1:0', '--udp-io', 'batch'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--udp-io batch: the UDP addon did not load');
  });
});
