/**
 * StatefulSet controller benchmarks on the embedded cluster (see RESULTS.md for numbers).
 *
 *   node_modules/.bin/node bench/controller/bench.ts ready        # create → all Ready timings
 *   node_modules/.bin/node bench/controller/bench.ts ready Parallel 5   # only Parallel rows, 5 runs each
 *   BENCH_WAL=1 node_modules/.bin/node bench/controller/bench.ts ready  # with a data dir (write-ahead log)
 *   BENCH_WARMUP=0 node_modules/.bin/node bench/controller/bench.ts ready   # no warm-up scale-ups: the first row runs cold
 *   node_modules/.bin/node bench/controller/bench.ts cpu [sets]   # controller CPU per sync (default 1000 sets)
 *   node_modules/.bin/node bench/controller/bench.ts              # both
 *
 * `ready`: a 100-replica Parallel and a 20-replica OrderedReady set, each on a fresh embedded
 * cluster with 3 simulated nodes (as `ordinal local`), with the default 1 s ready delay and with
 * 0. Timed from the create request until status.readyReplicas equals replicas. CPU is this
 * process's (API server, simulated nodes, PV binder and controller together) over that time.
 *
 * `cpu`: the API, simulated nodes and PV binder run here; the controller runs alone in a child
 * process so `process.cpuUsage()` there counts only the controller. After every set is Ready,
 * the child measures its CPU over whole informer-resync periods: each period re-queues every
 * set once, so a period is one full pass of N no-op syncs (plus the informers' resync dispatch).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { startStatefulSetController } from '../../src/controller/statefulset.ts';
import { silentLogger } from '../../src/log.ts';
import {
  createNamespace, setManifest, sleep, startController, startSimCluster, until, type SimCluster,
} from '../../test/controller/helpers/cluster.ts';
import { getSet } from '../../test/controller/helpers/converge.ts';

const NODES = ['node-0', 'node-1', 'node-2'];
/** BENCH_WAL=1 gives each `ready` cluster a data dir, as `ordinal local` has: every write is logged and synced. */
const WAL = process.env.BENCH_WAL === '1';
/** BENCH_CLAIMS=0 drops the volumeClaimTemplate from the `cpu` sets. */
const CLAIMS = process.env.BENCH_CLAIMS !== '0';

async function readyRun(policy: 'Parallel' | 'OrderedReady', replicas: number, readyDelayMs: number): Promise<string> {
  const dataDir = WAL ? mkdtempSync(join(tmpdir(), 'ordinal-bench-')) : undefined;
  const c = await startSimCluster({ nodes: NODES, readyDelayMs, heartbeatMs: 10_000, gracePeriodMs: 40_000, shutdownMs: 1000, dataDir });
  const ctl = startController(c.kc, { resyncMs: 30_000 });
  try {
    await until('controller synced', () => ctl.hasSynced(), 10_000);
    await createNamespace(c.api, 'bench');
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let firstPod = 0;
    await c.api.create('/apis/apps/v1/namespaces/bench/statefulsets', setManifest({ name: 'web', namespace: 'bench', replicas, policy }));
    await until('all Ready', () => {
      if (!firstPod && c.local.store.list('pods', 'bench').length > 0) firstPod = performance.now() - t0;
      return getSet(c.local.store, 'bench', 'web')?.status?.readyReplicas === replicas;
    }, 300_000, 2);
    const total = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    // OrderedReady waits out the ready delay once per ordinal; what is left is our overhead.
    const overhead = policy === 'OrderedReady' ? `${((total - replicas * readyDelayMs) / replicas).toFixed(1)} ms` : '–';
    return `| ${policy} | ${replicas} | ${readyDelayMs} ms | ${firstPod.toFixed(0)} ms | ${total.toFixed(0)} ms | ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms | ${overhead} |`;
  } finally {
    await ctl.stop();
    await c.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Scale-ups run before the measured rows (BENCH_WARMUP, default 2), printed but marked. The
 * first scale-up in a process runs every component's code cold: the JIT has not compiled it
 * yet, and it takes 0.2–0.3 s longer than the next ones (bench/controller/RESULTS.md). A
 * running `ordinal local` is past that, so the rows measure the warm path.
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);

/** `policy` limits the runs to one policy; `runs` repeats each row (for medians). */
async function ready(policy?: string, runs = 1): Promise<void> {
  if (policy !== undefined && policy !== 'Parallel' && policy !== 'OrderedReady') throw new Error(`unknown policy ${policy}: Parallel or OrderedReady`);
  console.log('| policy | replicas | ready delay | first pod | all Ready | CPU | overhead per ordinal |');
  console.log('|---|---|---|---|---|---|---|');
  for (let i = 0; i < WARMUP; i++) console.log((await readyRun('Parallel', 100, 0)).replace('| Parallel |', '| (warm-up) Parallel |'));
  for (const delay of [1000, 0]) {
    for (let r = 0; r < runs; r++) {
      if (policy !== 'OrderedReady') console.log(await readyRun('Parallel', 100, delay));
      if (policy !== 'Parallel') console.log(await readyRun('OrderedReady', 20, delay));
    }
  }
}

interface CpuReport { userUs: number; systemUs: number; ms: number }

async function cpu(sets: number): Promise<void> {
  const RESYNC_MS = 5_000;
  const PERIODS = 4;
  // Each simulated node takes 110 pods (allocatable pods, kubelet's default --max-pods).
  const nodes = Array.from({ length: Math.ceil(sets / 100) }, (_, i) => `node-${i}`);
  const c: SimCluster = await startSimCluster({ nodes, readyDelayMs: 0, heartbeatMs: 10_000, gracePeriodMs: 40_000, shutdownMs: 1000 });
  const child = fork(fileURLToPath(import.meta.url), ['child', c.local.kubeconfigPath, String(RESYNC_MS)], { execPath: process.execPath });
  const ask = (msg: unknown): Promise<CpuReport> => new Promise((resolve) => {
    child.once('message', (m) => resolve(m as CpuReport));
    child.send(msg as object);
  });
  try {
    await createNamespace(c.api, 'bench');
    const t0 = performance.now();
    for (let i = 0; i < sets; i++) {
      const name = `s-${String(i).padStart(4, '0')}`;
      await c.api.create('/apis/apps/v1/namespaces/bench/statefulsets', setManifest({ name, namespace: 'bench', replicas: 1, policy: 'OrderedReady', claims: CLAIMS }));
    }
    const created = performance.now() - t0;
    let lastLog = 0;
    await until('every set Ready', () => {
      const store = c.local.store;
      const ready = store.list('statefulsets.apps', 'bench').filter((s) => (s.status as { readyReplicas?: number } | undefined)?.readyReplicas === 1).length;
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        console.error(`${((lastLog - t0) / 1000).toFixed(0)} s: ${store.list('pods', 'bench').length} pods, ${store.list('persistentvolumeclaims', 'bench').length} claims, ${ready}/${sets} sets Ready`);
      }
      return ready === sets;
    }, 600_000, 200);
    const converged = performance.now() - t0;
    await sleep(RESYNC_MS); // let the first passes and any stragglers settle
    const r = await ask({ measureMs: RESYNC_MS * PERIODS });
    const syncs = sets * PERIODS;
    const us = (r.userUs + r.systemUs) / syncs;
    console.log(`| ${sets} | ${created.toFixed(0)} ms | ${converged.toFixed(0)} ms | ${PERIODS} × ${RESYNC_MS} ms | ${((r.userUs + r.systemUs) / 1000).toFixed(0)} ms (${(r.userUs / 1000).toFixed(0)} user) | ${syncs} | ${us.toFixed(0)} µs |`);
  } finally {
    child.kill();
    await c.close();
  }
}

/** The controller alone in this process; measures its own CPU when asked. */
async function child(kubeconfigPath: string, resyncMs: number): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  startStatefulSetController(kc, { log: silentLogger(), resyncMs });
  process.on('message', (m: { measureMs: number }) => {
    const start = process.cpuUsage();
    const t = performance.now();
    setTimeout(() => {
      const d = process.cpuUsage(start);
      process.send?.({ userUs: d.user, systemUs: d.system, ms: performance.now() - t });
    }, m.measureMs);
  });
}

const [mode = 'all', arg] = process.argv.slice(2);
if (mode === 'child') {
  await child(arg ?? '', Number(process.argv[4]));
} else {
  if (mode === 'ready') await ready(arg, Number(process.argv[4] ?? 1));
  if (mode === 'all') await ready();
  if (mode === 'cpu' || mode === 'all') {
    console.log('| sets | created | all Ready | window | controller CPU | syncs | CPU per sync |');
    console.log('|---|---|---|---|---|---|---|');
    const counts = arg ? [Number(arg)] : [100, 1000];
    for (const n of counts) await cpu(n);
  }
  process.exit(0);
}
