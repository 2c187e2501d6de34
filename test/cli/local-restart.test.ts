// `ordinal local` after a kill -9, started again as a user would: a second one on the same data
// dir is refused while the first runs; the restarted one takes its controller's Lease back at
// once (same identity, the data dir's lock makes it safe) instead of waiting out the dead holder's
// 15-s lease with every StatefulSet unreconciled.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../bin/ordinal.js');
const dir = mkdtempSync(join(tmpdir(), 'ordinal-local-restart-'));
const procs: ChildProcess[] = [];
afterAll(() => {
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function local(): { proc: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [BIN, 'local', '--data-dir', dir, '--api-listen', '127.0.0.1:0', '--dns-listen', '127.0.0.1:0',
    '--http-listen', '127.0.0.1:0', '--nodes', '1', '--ready-delay', '0s', '--log-level', 'warn'], { env: { ...process.env, ORDINAL_FROM_SRC: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(proc);
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  proc.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
  return { proc, out: () => out, exited: new Promise((r) => proc.once('exit', r)) };
}

async function until<T>(f: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve().then(f).catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sts = (replicas: number): object => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' },
  spec: { replicas, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'luksa/kubia' }] } } },
});

describe('ordinal local on one data dir', () => {
  it('refuses a second process, and after kill -9 the next start reconciles at once', { timeout: 90_000 }, async () => {
    const first = local();
    await until(() => first.out().includes('export KUBECONFIG='), 60_000, 'first banner');
    const kc = new KubeConfig();
    kc.loadFromFile(join(dir, 'kubeconfig'));
    const lease = await until(() => kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'ordinal-statefulset-controller', namespace: 'kube-system' }), 20_000, 'lease');
    const holder = lease.spec?.holderIdentity;
    expect(holder).toContain('ordinal-local');
    // bin/ordinal.js re-executed itself with the V8 flags of `local` (same pid): 2 MB semi-spaces
    // for DNS latency, the old generation's growth held to 1.2 times its live size, and V8's
    // memory reducer off (heaps stay at their working size through lulls).
    const argv = readFileSync(`/proc/${first.proc.pid}/cmdline`, 'utf8').split('\0');
    expect(argv).toEqual(expect.arrayContaining(['--max-semi-space-size=2', '--heap-growing-percent=20', '--no-memory-reducer']));
    // And glibc's malloc held to two arenas, each of which keeps its high-water pages.
    expect(readFileSync(`/proc/${first.proc.pid}/environ`, 'utf8').split('\0')).toContain('MALLOC_ARENA_MAX=2');

    const second = local();
    expect(await second.exited).not.toBe(0);
    expect(second.out()).toContain(`is in use by another ordinal (pid ${first.proc.pid})`);

    first.proc.kill('SIGKILL');
    await first.exited;
    const again = local();
    await until(() => again.out().includes('export KUBECONFIG='), 60_000, 'restart banner');
    const kc2 = new KubeConfig();
    kc2.loadFromFile(join(dir, 'kubeconfig'));
    const started = Date.now();
    await kc2.makeApiClient(AppsV1Api).createNamespacedStatefulSet({ namespace: 'default', body: sts(1) });
    await until(() => kc2.makeApiClient(CoreV1Api).readNamespacedPod({ name: 'web-0', namespace: 'default' }), 20_000, 'web-0 created');
    // Without its own Lease back, the controller would wait for the old one to expire: 15 s from the last renewal.
    expect(Date.now() - started).toBeLessThan(5000);
    const after = await kc2.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'ordinal-statefulset-controller', namespace: 'kube-system' });
    expect(after.spec?.holderIdentity).toBe(holder);
    again.proc.kill('SIGTERM');
    await again.exited;
  });
});
