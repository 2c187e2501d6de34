/**
 * @module Shared parts of the bootstrap-stall benches (bench.ts on `ordinal local`, real.ts on a
 * real control plane): unbound as the caching resolver, and one measured bootstrap: a Parallel
 * StatefulSet whose pods' processes resolve every peer through the resolver, then turn Ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { join } from 'node:path';
import { PatchStrategy, setHeaderOptions, type AppsV1Api, type CoreV1Api } from '@kubernetes/client-node';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A TCP-free high port (UDP on the same number is free in practice on this host). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? ok(a.port) : fail(new Error('no port'))));
    });
  });
}

export interface Proc { proc: ChildProcess; out: () => string; match: RegExpExecArray | null }

/** Spawn and wait for `ready` on stdout (or 200 ms without one); a child that exits first fails it. */
export function startProc(bin: string, args: string[], ready: RegExp | undefined, cwd: string): Promise<Proc> {
  const proc = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ORDINAL_FROM_SRC: '1' } });
  let out = '';
  return new Promise((ok, fail) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready?.exec(out) ?? null;
      if (m) ok({ proc, out: () => out, match: m });
    });
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.once('exit', (code) => fail(new Error(`${bin} exited with ${code}:\n${out.slice(-2000)}`)));
    if (!ready) setTimeout(() => ok({ proc, out: () => out, match: null }), 200);
  });
}

export async function stopProc(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(t);
}

export function resolverAt(port: number): Resolver {
  const r = new Resolver({ timeout: 1000, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}

export async function waitDns(r: Resolver, name: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try { await r.resolveSoa(name); return; } catch (err) { if (Date.now() > until) throw err; }
    await sleep(100);
  }
}

export async function waitFor(ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error('timed out');
    await sleep(100);
  }
}

/**
 * unbound with an empty cache, forwarding the cluster zone to 127.0.0.1:upstream. Its defaults
 * are what matters: negative answers cached for min(SOA TTL, MINIMUM) (RFC 2308 §5), no minimum
 * TTL, nothing served expired.
 */
export async function startUnbound(dir: string, upstream: number): Promise<{ proc: ChildProcess; port: number; resolver: Resolver }> {
  const port = await freePort();
  const conf = join(dir, `unbound-${port}.conf`);
  await writeFile(conf, `server:
  interface: 127.0.0.1
  port: ${port}
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "${dir}"
  pidfile: "${join(dir, `unbound-${port}.pid`)}"
  use-syslog: no
  logfile: ""
  verbosity: 0
  do-not-query-localhost: no
  module-config: "iterator"
  cache-min-ttl: 0
  serve-expired: no
  domain-insecure: "cluster.local"
  local-zone: "cluster.local." transparent
forward-zone:
  name: "cluster.local"
  forward-addr: 127.0.0.1@${upstream}
`);
  const { proc } = await startProc('/usr/sbin/unbound', ['-d', '-c', conf], undefined, dir);
  const resolver = resolverAt(port);
  await waitDns(resolver, 'cluster.local', 10_000);
  return { proc, port, resolver };
}

export interface BootOptions {
  ns: string; svc: string; sts: string; replicas: number; retryMs: number; timeoutMs: number;
  /** Turn pod i Ready once it has resolved its peers; default: lift the simulated kubelet's readiness hold. */
  markReady?: (i: number) => Promise<void>;
}

export interface BootResult {
  allResolvedS: number; perPodS: number[]; startS: number[]; nxdomain: number; lookups: number;
}

interface PodRun { start: number; done?: number; nxdomain: number; lookups: number }

/** The headless Service: publishNotReadyAddresses, so a peer resolves as soon as it has an IP. */
export function peerService(o: Pick<BootOptions, 'ns' | 'svc' | 'sts'>): object {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name: o.svc, namespace: o.ns },
    spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: o.sts }, ports: [{ name: 'peer', port: 7000 }] },
  };
}

/** One pod's process: resolve every peer, retrying the failures, then release its readiness hold. */
async function podProcess(i: number, r: Resolver, core: CoreV1Api, o: BootOptions, run: PodRun): Promise<void> {
  const pending = new Set(Array.from({ length: o.replicas }, (_, j) => j).filter((j) => j !== i));
  while (pending.size > 0) {
    await Promise.all([...pending].map(async (j) => {
      run.lookups++;
      try {
        if ((await r.resolve4(`${o.sts}-${j}.${o.svc}.${o.ns}.svc.cluster.local`)).length > 0) pending.delete(j);
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOTFOUND') run.nxdomain++;
      }
    }));
    if (pending.size > 0) await sleep(o.retryMs);
  }
  run.done = performance.now();
  if (o.markReady) return o.markReady(i);
  await core.patchNamespacedPod({ name: `${o.sts}-${i}`, namespace: o.ns, body: [{ op: 'remove', path: '/metadata/annotations/sim.ordinal.dev~1ready' }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
}

/**
 * Create the StatefulSet (pods held not Ready by the simulated kubelet) and start each pod's
 * process once its pod has an IP; resolves when every pod has resolved every peer.
 */
export async function bootstrap(core: CoreV1Api, apps: AppsV1Api, r: Resolver, o: BootOptions): Promise<BootResult> {
  const t0 = performance.now();
  await apps.createNamespacedStatefulSet({ namespace: o.ns, body: {
    metadata: { name: o.sts },
    spec: {
      serviceName: o.svc, replicas: o.replicas, podManagementPolicy: 'Parallel', selector: { matchLabels: { app: o.sts } },
      template: {
        metadata: { labels: { app: o.sts }, annotations: { 'sim.ordinal.dev/ready': 'false' } },
        spec: { containers: [{ name: 'app', image: 'peer', ports: [{ name: 'peer', containerPort: 7000 }] }] },
      },
    },
  } });
  const runs = new Map<number, PodRun>();
  const procs: Promise<void>[] = [];
  while (runs.size < o.replicas) {
    if (performance.now() - t0 > o.timeoutMs) throw new Error(`pods did not all start within ${o.timeoutMs} ms`);
    const pods = await core.listNamespacedPod({ namespace: o.ns, labelSelector: `app=${o.sts}` });
    for (const p of pods.items) {
      const i = Number(p.metadata?.name?.slice(o.sts.length + 1));
      if (!p.status?.podIP || runs.has(i)) continue;
      const run: PodRun = { start: performance.now(), nxdomain: 0, lookups: 0 };
      runs.set(i, run);
      procs.push(podProcess(i, r, core, o, run));
    }
    await sleep(20);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => { timer = setTimeout(() => fail(new Error(`peers not all resolved within ${o.timeoutMs} ms`)), o.timeoutMs); });
  try {
    await Promise.race([Promise.all(procs), timeout]);
  } finally {
    clearTimeout(timer);
  }
  const all = [...runs.entries()].sort(([a], [b]) => a - b).map(([, x]) => x);
  const s = (t: number): number => +((t - t0) / 1000).toFixed(2);
  return {
    allResolvedS: s(Math.max(...all.map((x) => x.done ?? Infinity))),
    perPodS: all.map((x) => s(x.done ?? NaN)),
    startS: all.map((x) => s(x.start)),
    nxdomain: all.reduce((n, x) => n + x.nxdomain, 0),
    lookups: all.reduce((n, x) => n + x.lookups, 0),
  };
}

/** One summary line per variant: every run's time and the median. */
export function summarise(results: ReadonlyArray<{ variant: string; allResolvedS: number }>): string[] {
  return [...new Set(results.map((x) => x.variant))].map((v) => {
    const xs = results.filter((x) => x.variant === v).map((x) => x.allResolvedS).sort((a, b) => a - b);
    return `${v}: every pod resolved every peer after ${xs.join(', ')} s (median ${xs[Math.floor(xs.length / 2)]} s)`;
  });
}
