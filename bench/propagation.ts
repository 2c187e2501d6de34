/**
 * Propagation bench: how long from a pod becoming Ready in the API to its name being answerable,
 * with 10,000 pods behind 1,000 headless Services, and what the watch side costs in memory.
 *
 *   node_modules/.bin/node --expose-gc bench/propagation.ts [pods=10000] [services=1000] [flips=300] [--nodes N] [--serve [-- serve flags]]
 *
 * `--size 100k` is 100,000 pods in 10,000 Services on 5,000 nodes (the issue #13 scale).
 * `--serve` runs the watcher as a real `ordinal serve --kubeconfig` child (bench/serve-child.ts):
 * its RSS is what an operator sees, and answers are polled over DNS; flags after `--` go to it.
 *
 * The embedded API server runs in a child process (HTTPS, real list/watch), so its own work and
 * garbage do not stall the watcher's event loop; writes go straight into its store, which is what
 * an API write does after admission. Latency is measured from the store write (child clock) to the
 * first published snapshot whose lookup answers the pod's name (parent clock; both are
 * performance.timeOrigin + now(), i.e. the same wall clock), so it includes JSON encoding, TLS,
 * the informer, the model and the snapshot. The watcher's own share (event received → snapshot
 * published) comes from its programming histogram.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { KubeConfig } from '@kubernetes/client-node';
import { histogramP, pollAnswers, procMemory, scrape, startServe, writeKubeconfig } from './serve-child.ts';
import { silentLogger } from '../src/log.ts';
import { startLocalApi, type KObject } from '../src/local/api/index.ts';
import { createMetrics } from '../src/kube/metrics.ts';
import { startWatcher } from '../src/kube/watcher.ts';
import { releaseAgents } from '../src/kube/client.ts';
import { ClusterModel } from '../src/zone/model.ts';
import { lookup } from '../src/zone/lookup.ts';
import { DEFAULT_ZONE_CONFIG, Rcode, RRClass, RRType } from '../src/zone/types.ts';

const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
const SERVE_ARGS = dashdash < 0 ? [] : argv.slice(dashdash + 1);
const own = dashdash < 0 ? argv : argv.slice(0, dashdash);
const flagValue = (name: string): string | undefined => {
  const i = own.indexOf(name);
  return i < 0 ? undefined : own[i + 1];
};
const SIZES: Record<string, number[]> = { '10k': [10_000, 1_000, 300], '100k': [100_000, 10_000, 300] };
const size = flagValue('--size');
if (size !== undefined && !SIZES[size]) throw new Error(`--size ${size}: want one of ${Object.keys(SIZES).join(', ')}`);
const positional = own.filter((a, i) => /^\d+$/.test(a) && !['--nodes', '--size'].includes(own[i - 1] ?? ''));
const [PODS = 10_000, SERVICES = 1_000, FLIPS = 300] = positional.length > 0 ? positional.map(Number) : (SIZES[size ?? '10k'] ?? []);
const NODES = Number(flagValue('--nodes') ?? (size === '100k' ? 5_000 : 1));
const SERVE = own.includes('--serve');
const NAMESPACES = 10;
const perSvc = Math.ceil(PODS / SERVICES);

const gc = (globalThis as { gc?: () => void }).gc;
function heapMb(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function podObj(i: number, ready: boolean, rv = 0): KObject {
  const svc = Math.floor(i / perSvc);
  const ns = `ns-${svc % NAMESPACES}`;
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `svc-${svc}-${i}`, namespace: ns, uid: `uid-${i}`, labels: { app: `svc-${svc}`, tier: 'bench' }, generation: rv + 1 },
    spec: { hostname: `svc-${svc}-${i}`, subdomain: `svc-${svc}`, nodeName: `node-${i % NODES}`, containers: [{ name: 'main', image: 'kubia', ports: [{ containerPort: 8080, name: 'http' }] }] },
    status: {
      phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: `172.16.${(i % NODES) >> 8}.${(i % NODES) & 255}`,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }, { type: 'ContainersReady', status: ready ? 'True' : 'False' }],
    },
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const wall = (): number => performance.timeOrigin + performance.now();

/** Child: the API server, populated; flips pods on request and reports the write times. */
async function child(): Promise<void> {
  const api = await startLocalApi({ listen: '127.0.0.1:0', historyLimit: Math.max(50_000, PODS + SERVICES + 1_000) });
  const { store } = api;
  for (let n = 0; n < NAMESPACES; n++) store.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } });
  for (let s = 0; s < SERVICES; s++) {
    store.put('services', {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: `svc-${s}`, namespace: `ns-${s % NAMESPACES}` },
      spec: { clusterIP: 'None', selector: { app: `svc-${s}` }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
  }
  const flipSet = new Set(flipIndexes());
  for (let i = 0; i < PODS; i++) store.put('pods', podObj(i, !flipSet.has(i)));
  process.on('message', (m: { flip?: number[]; exit?: boolean }) => {
    if (m.exit) {
      void api.close().then(() => process.exit(0));
      return;
    }
    const wrote: [number, number][] = [];
    for (const i of m.flip ?? []) {
      wrote.push([i, wall()]);
      store.put('pods', podObj(i, true, 1));
    }
    process.send!({ wrote });
  });
  process.send!({ url: api.url, caPem: api.caPem, token: api.token });
}

function flipIndexes(): number[] {
  const step = Math.max(1, Math.floor(PODS / FLIPS));
  return Array.from({ length: Math.min(FLIPS, PODS) }, (_, k) => k * step);
}

function nameOf(i: number): string {
  const svc = Math.floor(i / perSvc);
  return `svc-${svc}-${i}.svc-${svc}.ns-${svc % NAMESPACES}.svc.cluster.local`;
}

function kubeConfig(c: { url: string; caPem: string; token: string }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'bench', server: c.url, caData: Buffer.from(c.caPem).toString('base64') }],
    users: [{ name: 'bench', token: c.token }],
    contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
    currentContext: 'bench',
  });
  return kc;
}

/** Ask the child to flip `idx`; resolves with the write times. */
function flip(cp: ChildProcess, idx: number[]): Promise<[number, number][]> {
  return new Promise((resolve) => {
    cp.once('message', (m: { wrote: [number, number][] }) => resolve(m.wrote));
    cp.send({ flip: idx });
  });
}

async function main(): Promise<void> {
  const cp = fork(new URL(import.meta.url).pathname, ['--api-child', String(PODS), String(SERVICES), String(FLIPS), '--nodes', String(NODES)], { execArgv: [] });
  const conn = await new Promise<{ url: string; caPem: string; token: string }>((resolve) => cp.once('message', resolve));
  const heapBefore = heapMb();
  const model = new ClusterModel({ ...DEFAULT_ZONE_CONFIG, endpointsFrom: 'pods' });
  // Time each snapshot build (the watcher calls snapshot() once per coalesced batch of events).
  const builds: number[] = [];
  const build = model.snapshot.bind(model);
  model.snapshot = () => {
    const t = performance.now();
    const snap = build();
    builds.push(performance.now() - t);
    return snap;
  };
  const metrics = createMetrics({ defaultMetrics: false });
  const kc = kubeConfig(conn);
  const t0 = performance.now();
  const w = startWatcher({ kc, model, endpointsFrom: 'pods', log: silentLogger(), metrics });
  await w.synced;
  const syncMs = performance.now() - t0;
  const heapAfter = heapMb();
  const rss = process.memoryUsage().rss / 2 ** 20;
  metrics.programming.reset();
  const syncBuilds = builds.length;

  // Names we wait for → wall time they first became answerable.
  const waiting = new Set<string>();
  const answered = new Map<string, number>();
  w.source.onChange((snap) => {
    const now = wall();
    for (const name of waiting) {
      const r = lookup(snap, name, RRType.A, RRClass.IN);
      if (r.rcode === Rcode.NOERROR && r.answer.length > 0) {
        answered.set(name, now);
        waiting.delete(name);
      }
    }
  });
  const flips = flipIndexes();
  // Sanity: flip candidates are not answerable yet (not Ready ⇒ not published).
  const notYet = flips.filter((i) => lookup(w.source.current(), nameOf(i), RRType.A, RRClass.IN).answer.length > 0).length;

  const run = async (idx: number[], batch: number, pauseMs: number): Promise<number[]> => {
    const wrote: [number, number][] = [];
    for (let k = 0; k < idx.length; k += batch) {
      const part = idx.slice(k, k + batch);
      for (const i of part) waiting.add(nameOf(i));
      wrote.push(...(await flip(cp, part)));
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    }
    const end = Date.now() + 30_000;
    while (waiting.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    return wrote.map(([i, at]) => (answered.get(nameOf(i)) ?? NaN) - at).sort((a, b) => a - b);
  };

  // Paced: one flip every 5 ms, like rollouts across many StatefulSets. Then a burst of the rest.
  const half = Math.floor(flips.length / 2);
  const paced = await run(flips.slice(0, half), 1, 5);
  const pacedProg = metrics.programming.snapshot();
  const pacedBuilds = builds.slice(syncBuilds).sort((a, b) => a - b);
  metrics.programming.reset();
  const burst = await run(flips.slice(half), flips.length, 0);
  const burstProg = metrics.programming.snapshot();

  const stats = model.stats();
  const report = {
    pods: PODS, services: SERVICES, namespaces: NAMESPACES,
    zone: { names: stats.names, records: stats.records },
    initialSyncMs: Math.round(syncMs),
    watcherHeapMb: +(heapAfter - heapBefore).toFixed(1),
    heapPer10kPodsMb: +(((heapAfter - heapBefore) / PODS) * 10_000).toFixed(1),
    rssMb: Math.round(rss),
    notReadyAnswerable: notYet,
    pacedWriteToAnswerable: summary(paced),
    pacedProgramming: bucketsP(pacedProg),
    pacedSnapshotBuild: summary(pacedBuilds),
    burstWriteToAnswerable: summary(burst),
    burstProgramming: bucketsP(burstProg),
    unanswered: waiting.size,
  };
  console.log(JSON.stringify(report, null, 2));
  await w.stop();
  releaseAgents(kc);
  cp.send({ exit: true });
}

function summary(sorted: number[]): { n: number; p50ms: number; p99ms: number; maxms: number } {
  const r = (x: number): number => +x.toFixed(2);
  return { n: sorted.length, p50ms: r(pct(sorted, 50)), p99ms: r(pct(sorted, 99)), maxms: r(sorted.at(-1) ?? NaN) };
}

/** p50/p99 upper bounds from the watcher's own programming histogram (event received → published). */
function bucketsP(h: { bounds: number[]; cumulative: number[]; count: number }): { n: number; p50leMs: number; p99leMs: number } {
  const le = (p: number): number => {
    const i = h.cumulative.findIndex((c) => c >= (p / 100) * h.count);
    return i < 0 ? Infinity : h.bounds[i]! * 1000;
  };
  return { n: h.count, p50leMs: le(50), p99leMs: le(99) };
}

/** `--serve`: the same API child, watched by a real `ordinal serve` process. */
async function serveMain(): Promise<void> {
  const cp = fork(new URL(import.meta.url).pathname, ['--api-child', String(PODS), String(SERVICES), String(FLIPS), '--nodes', String(NODES)], { execArgv: [] });
  const conn = await new Promise<{ url: string; caPem: string; token: string }>((resolve) => cp.once('message', resolve));
  const srv = await startServe(writeKubeconfig(conn), SERVE_ARGS);
  const pid = srv.proc.pid!;
  const syncCpuS = procMemory(pid).cpuS;
  // Let the sync's garbage be collected and the first serial sealed before reading memory.
  await new Promise((r) => setTimeout(r, 3_000));
  const synced = procMemory(pid);
  const before = await scrape(srv.httpUrl);
  const flips = flipIndexes();
  const notYet = (await pollAnswers(srv.dnsPort, flips.slice(0, 20).map(nameOf), wall, 5, 200)).size;
  // Paced: one flip every 5 ms, each polled over DNS every millisecond until answered.
  const half = Math.floor(flips.length / 2);
  const paced: number[] = [];
  for (const i of flips.slice(0, half)) {
    const [[, at]] = await flip(cp, [i]) as [[number, number]];
    const got = await pollAnswers(srv.dnsPort, [nameOf(i)], wall, 1, 10_000);
    paced.push((got.get(nameOf(i)) ?? NaN) - at);
    await new Promise((r) => setTimeout(r, 5));
  }
  const mid = await scrape(srv.httpUrl);
  const rest = flips.slice(half);
  const wrote = await flip(cp, rest);
  const got = await pollAnswers(srv.dnsPort, rest.map(nameOf), wall, 2, 30_000);
  const burst = wrote.map(([i, at]) => (got.get(nameOf(i)) ?? NaN) - at);
  const after = await scrape(srv.httpUrl);
  // Steady state: V8 gives back what the flips' garbage took once the process is idle for a while.
  await new Promise((r) => setTimeout(r, 10_000));
  const idle = await scrape(srv.httpUrl);
  const report = {
    mode: 'serve', pods: PODS, services: SERVICES, nodes: NODES, serveArgs: SERVE_ARGS,
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(MALLOC_|GLIBC_TUNABLES|NODE_OPTIONS|ORDINAL_)/.test(k))),
    startMs: Math.round(srv.startMs), initialSyncMs: Math.round(srv.syncMs), syncCpuS,
    memoryAfterSync: { ...synced, ...before.heap },
    memoryAfterFlipsIdle10s: { ...procMemory(pid), ...idle.heap },
    notReadyAnswerable: notYet,
    pacedWriteToAnswerable: summary(paced.sort((a, b) => a - b)),
    pacedProgramming: histogramP(before.programming, mid.programming),
    burstWriteToAnswerable: summary(burst.sort((a, b) => a - b)),
    burstProgramming: histogramP(mid.programming, after.programming),
    unanswered: burst.filter((x) => Number.isNaN(x)).length + paced.filter((x) => Number.isNaN(x)).length,
  };
  console.log(JSON.stringify(report, null, 2));
  srv.proc.kill('SIGTERM');
  await new Promise((r) => srv.proc.once('exit', r));
  cp.send({ exit: true });
}

if (process.argv[2] === '--api-child') await child();
else if (SERVE) await serveMain();
else await main();
