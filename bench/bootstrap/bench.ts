/**
 * Bootstrap-stall bench (README "No bootstrap stall", kubernetes/kubernetes#92559): how long until
 * every pod of a 5-replica Parallel StatefulSet has resolved every peer, when the pods ask through a
 * caching resolver (Debian's `unbound`) that forwards the cluster zone to ordinal.
 *
 *   node_modules/.bin/node bench/bootstrap/bench.ts [--rule on|off|both] [--runs 3] [--ttl 30]
 *       [--replicas 5] [--retry-ms 1000] [--timeout-s 120]
 *
 * Each run starts `ordinal local` (embedded API, simulated nodes, DNS; `--ttl 30` as kubeadm's
 * Corefile) and unbound forwarding `cluster.local` to it. Then it creates a headless Service with
 * publishNotReadyAddresses (what clustered-app charts use, so peers resolve before they are Ready)
 * and a Parallel StatefulSet whose pods are held not Ready (`sim.ordinal.dev/ready=false`). The
 * bench plays each pod's process: once its pod has an IP it looks up every peer's
 * `<sts>-<j>.<svc>.<ns>.svc.cluster.local` through unbound, retrying the ones that fail every
 * `--retry-ms`, and when all resolve it releases its readiness hold. A lookup that runs before a
 * peer has an IP gets NXDOMAIN, which unbound caches for the SOA's negative TTL: 30 s with the
 * rule off (`--expected-negative-ttl 30`), 0 s with it on (the default). The result is the time
 * from creating the StatefulSet to the last pod having resolved every peer.
 *
 * Needs the `unbound` package (/usr/sbin/unbound). Numbers belong on a quiet machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

const { values: flags } = parseArgs({
  options: {
    rule: { type: 'string', default: 'both' }, runs: { type: 'string', default: '1' }, ttl: { type: 'string', default: '30' },
    replicas: { type: 'string', default: '5' }, 'retry-ms': { type: 'string', default: '1000' }, 'timeout-s': { type: 'string', default: '120' },
  },
});
const TTL = Number(flags.ttl);
const REPLICAS = Number(flags.replicas);
const RETRY_MS = Number(flags['retry-ms']);
const TIMEOUT_MS = Number(flags['timeout-s']) * 1000;
const RULES = flags.rule === 'both' ? ['off', 'on'] : [flags.rule ?? 'on'];
const ROOT = resolve(import.meta.dirname, '../..');
const NS = 'default';
const SVC = 'peers';
const STS = 'peer';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A port free for both UDP and TCP is not guaranteed; a TCP-free high port is good enough here. */
function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? ok(a.port) : fail(new Error('no port'))));
    });
  });
}

function startProc(bin: string, args: string[], ready: RegExp | undefined): Promise<{ proc: ChildProcess; out: () => string; match: RegExpExecArray | null }> {
  const proc = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ORDINAL_FROM_SRC: '1' } });
  let out = '';
  return new Promise((ok, fail) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = ready?.exec(out) ?? null;
      if (m) ok({ proc, out: () => out, match: m });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.once('exit', (code) => fail(new Error(`${bin} exited with ${code}:\n${out.slice(-2000)}`)));
    if (!ready) setTimeout(() => ok({ proc, out: () => out, match: null }), 200);
  });
}

async function stop(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(t);
}

function unboundConf(dir: string, port: number, upstream: number): string {
  return `server:
  interface: 127.0.0.1
  port: ${port}
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "${dir}"
  pidfile: "${join(dir, 'unbound.pid')}"
  use-syslog: no
  logfile: ""
  verbosity: 0
  do-not-query-localhost: no
  module-config: "iterator"
  # Defaults that matter here: negative answers are cached for min(SOA TTL, MINIMUM) (RFC 2308),
  # no minimum TTL, no serving of expired answers.
  cache-min-ttl: 0
  serve-expired: no
  domain-insecure: "cluster.local"
  local-zone: "cluster.local." transparent
forward-zone:
  name: "cluster.local"
  forward-addr: 127.0.0.1@${upstream}
`;
}

async function waitDns(r: Resolver, name: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try { await r.resolveSoa(name); return; } catch (err) { if (Date.now() > until) throw err; }
    await sleep(100);
  }
}

async function waitFor(ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error('timed out');
    await sleep(100);
  }
}

interface PodRun { start: number; done?: number; nxdomain: number; lookups: number }

/** One pod's process: resolve every peer, retrying the failures, then release the readiness hold. */
async function podProcess(i: number, r: Resolver, core: CoreV1Api, run: PodRun): Promise<void> {
  const pending = new Set(Array.from({ length: REPLICAS }, (_, j) => j).filter((j) => j !== i));
  while (pending.size > 0) {
    await Promise.all([...pending].map(async (j) => {
      run.lookups++;
      try {
        if ((await r.resolve4(`${STS}-${j}.${SVC}.${NS}.svc.cluster.local`)).length > 0) pending.delete(j);
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOTFOUND') run.nxdomain++;
      }
    }));
    if (pending.size > 0) await sleep(RETRY_MS);
  }
  run.done = performance.now();
  await core.patchNamespacedPod({ name: `${STS}-${i}`, namespace: NS, body: [{ op: 'remove', path: '/metadata/annotations/sim.ordinal.dev~1ready' }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
}

async function once(rule: string): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'ordinal-bootstrap-'));
  const dnsPort = await freePort();
  const ubPort = await freePort();
  let ordinal: ChildProcess | undefined;
  let unbound: ChildProcess | undefined;
  try {
    // The headless Service comes as the manifest (without one `ordinal local` loads its example).
    await writeFile(join(dir, 'service.yaml'), JSON.stringify({
      apiVersion: 'v1', kind: 'Service', metadata: { name: SVC, namespace: NS },
      spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: STS }, ports: [{ name: 'peer', port: 7000 }] },
    }));
    const o = await startProc(process.execPath, [
      join(ROOT, 'bin/ordinal.js'), 'local', join(dir, 'service.yaml'), '--data-dir', join(dir, 'data'), '--api-listen', '127.0.0.1:0',
      '--dns-listen', `127.0.0.1:${dnsPort}`, '--http-listen', '127.0.0.1:0', '--ttl', String(TTL),
      '--expected-negative-ttl', rule === 'on' ? '0' : String(TTL), '--ready-delay', '0', '--log-level', 'warn',
    ], /to use kubectl: +export KUBECONFIG=(\S+)/);
    ordinal = o.proc;
    const kc = new KubeConfig();
    kc.loadFromFile(o.match![1]!);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const direct = new Resolver({ timeout: 1000, tries: 1 });
    direct.setServers([`127.0.0.1:${dnsPort}`]);
    await waitDns(direct, 'cluster.local', 30_000);

    await writeFile(join(dir, 'unbound.conf'), unboundConf(dir, ubPort, dnsPort));
    unbound = (await startProc('/usr/sbin/unbound', ['-d', '-c', join(dir, 'unbound.conf')], undefined)).proc;
    const r = new Resolver({ timeout: 1000, tries: 1 });
    r.setServers([`127.0.0.1:${ubPort}`]);
    await waitDns(r, 'cluster.local', 10_000);

    await waitFor(async () => (await core.listNamespacedService({ namespace: NS })).items.some((x) => x.metadata?.name === SVC));
    const t0 = performance.now();
    await apps.createNamespacedStatefulSet({ namespace: NS, body: {
      metadata: { name: STS },
      spec: {
        serviceName: SVC, replicas: REPLICAS, podManagementPolicy: 'Parallel', selector: { matchLabels: { app: STS } },
        template: {
          metadata: { labels: { app: STS }, annotations: { 'sim.ordinal.dev/ready': 'false' } },
          spec: { containers: [{ name: 'app', image: 'peer', ports: [{ name: 'peer', containerPort: 7000 }] }] },
        },
      },
    } });

    // Each pod's process starts once its pod has an IP (its containers run).
    const runs = new Map<number, PodRun>();
    const procs: Promise<void>[] = [];
    while (runs.size < REPLICAS) {
      if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`pods did not all start within ${TIMEOUT_MS} ms`);
      const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${STS}` });
      for (const p of pods.items) {
        const i = Number(p.metadata?.name?.slice(STS.length + 1));
        if (!p.status?.podIP || runs.has(i)) continue;
        const run: PodRun = { start: performance.now(), nxdomain: 0, lookups: 0 };
        runs.set(i, run);
        procs.push(podProcess(i, r, core, run));
      }
      await sleep(20);
    }
    const timeout = sleep(TIMEOUT_MS).then(() => { throw new Error(`peers not all resolved within ${TIMEOUT_MS} ms`); });
    await Promise.race([Promise.all(procs), timeout]);
    const all = [...runs.entries()].sort(([a], [b]) => a - b);
    return {
      rule, ttl: TTL, replicas: REPLICAS, retryMs: RETRY_MS,
      allResolvedS: +((Math.max(...all.map(([, x]) => x.done ?? Infinity)) - t0) / 1000).toFixed(2),
      perPodS: all.map(([, x]) => +(((x.done ?? NaN) - t0) / 1000).toFixed(2)),
      startS: all.map(([, x]) => +((x.start - t0) / 1000).toFixed(2)),
      nxdomain: all.reduce((n, [, x]) => n + x.nxdomain, 0),
      lookups: all.reduce((n, [, x]) => n + x.lookups, 0),
    };
  } finally {
    await stop(unbound);
    await stop(ordinal);
    await rm(dir, { recursive: true, force: true });
  }
}

const results: Record<string, unknown>[] = [];
for (let k = 0; k < Number(flags.runs); k++) {
  for (const rule of RULES) {
    const res = await once(rule);
    results.push(res);
    console.log(JSON.stringify(res));
  }
}
for (const rule of RULES) {
  const xs = results.filter((x) => x['rule'] === rule).map((x) => x['allResolvedS'] as number).sort((a, b) => a - b);
  console.log(`expected-name rule ${rule}: every pod resolved every peer after ${xs.join(', ')} s (median ${xs[Math.floor(xs.length / 2)]} s)`);
}
process.exit(0);
