/**
 * The randomised sequences (fuzz.ts) on embedded clusters, spread over worker threads: each
 * thread runs a few lanes, and each lane is its own embedded API, simulated nodes, node
 * lifecycle, PV binder, StatefulSet controller and store-fed audit. One Node thread runs one
 * core's worth of API server, sim and controller, so threads are what let a 2-core machine
 * use both cores; lanes within a thread overlap one lane's waits with the others' work.
 *
 * The main side (`runEmbeddedFuzz`) starts the threads on this same file; the worker side
 * runs when the file is loaded as a worker with `embeddedFuzz` in its workerData. Workers load
 * the TypeScript sources natively (Node type stripping), outside vitest.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { PodAudit } from './audit.ts';
import { startController, startSimCluster, until, type Controller, type SimCluster, type SimClusterOptions } from './cluster.ts';
import { runLanes, storeReader, type FuzzReport, type Lane } from './fuzz.ts';

export interface EmbeddedFuzzOptions {
  seeds: number[];
  threads: number;
  lanesPerThread: number;
  timings: SimClusterOptions;
  /** A command that runs one seed alone; `{seed}` is replaced. */
  reproduce: string;
}

/** What one lane's audit saw, after its pods were all gone (or the wait for that gave up). */
export interface LaneAudit {
  lane: string;
  created: number;
  deleted: number;
  orderedChecks: number;
  violations: string[];
  /** Pods left in the lane's store after the final wait (0 when every cleanup finished). */
  podsLeft: number;
}

export interface EmbeddedFuzzResult {
  report: FuzzReport;
  audits: LaneAudit[];
}

interface WorkerInput {
  thread: number;
  seeds: number[];
  lanes: number;
  timings: SimClusterOptions;
  reproduce: string;
}

type FromWorker = { type: 'failure' } | { type: 'done'; result: EmbeddedFuzzResult };

/** Run the seeds over `threads` workers (round-robin split); a failure in one stops the others. */
export function runEmbeddedFuzz(o: EmbeddedFuzzOptions): { result: Promise<EmbeddedFuzzResult>; terminate(): Promise<void> } {
  const threads = Math.max(1, Math.min(o.threads, o.seeds.length));
  const workers: Worker[] = [];
  const runs = Array.from({ length: threads }, (_, thread) => {
    const input: WorkerInput = {
      thread, seeds: o.seeds.filter((_, i) => i % threads === thread), lanes: o.lanesPerThread, timings: o.timings, reproduce: o.reproduce,
    };
    const w = new Worker(new URL(import.meta.url), { workerData: { embeddedFuzz: input } });
    workers.push(w);
    return new Promise<EmbeddedFuzzResult>((resolve, reject) => {
      let done = false;
      w.on('message', (m: FromWorker) => {
        if (m.type === 'failure') {
          for (const other of workers) if (other !== w) other.postMessage('stop');
          return;
        }
        done = true;
        resolve(m.result);
      });
      w.on('error', reject);
      w.on('exit', (code) => {
        if (!done) reject(new Error(`fuzz worker ${thread} exited with code ${code} before reporting`));
      });
    });
  });
  const result = Promise.all(runs).then((all) => ({
    report: all.reduce((acc, r) => ({
      sequences: acc.sequences + r.report.sequences,
      steps: acc.steps + r.report.steps,
      restarts: acc.restarts + r.report.restarts,
      ms: Math.max(acc.ms, r.report.ms),
      failures: [...acc.failures, ...r.report.failures],
    }), { sequences: 0, steps: 0, restarts: 0, ms: 0, failures: [] as string[] }),
    audits: all.flatMap((r) => r.audits),
  }));
  return { result, terminate: async () => { await Promise.all(workers.map((w) => w.terminate())); } };
}

interface EmbeddedLane extends Lane {
  cluster: SimCluster;
  audit: PodAudit;
  stop(): Promise<void>;
}

async function startLane(name: string, timings: SimClusterOptions): Promise<EmbeddedLane> {
  const cluster = await startSimCluster(timings);
  const audit = new PodAudit(cluster.local.store);
  let ctl: Controller = startController(cluster.kc);
  return {
    name, cluster, audit,
    violations: () => audit.violations,
    target: {
      api: cluster.api,
      read: storeReader(cluster.local.store),
      nodes: cluster.nodes,
      timeouts: { nodeLostMs: 15_000, convergeMs: 30_000 },
      async restartController() {
        await ctl.stop();
        ctl = startController(cluster.kc);
      },
    },
    async stop() {
      audit.stop();
      await ctl.stop();
      await cluster.close();
    },
  };
}

async function workerMain(input: WorkerInput): Promise<void> {
  let stop = false;
  parentPort?.on('message', (m) => { if (m === 'stop') stop = true; });
  const lanes = await Promise.all(Array.from({ length: input.lanes }, (_, i) => startLane(`${input.thread}.${i}`, input.timings)));
  const report = await runLanes(lanes, input.seeds, {
    reproduce: (seed) => input.reproduce.replace('{seed}', String(seed)),
    stopped: () => stop,
    onFailure: () => parentPort?.postMessage({ type: 'failure' } satisfies FromWorker),
  });
  const audits: LaneAudit[] = [];
  for (const l of lanes) {
    // Every cleanup finishes: then each audit must have seen as many deletions as creations.
    // (After a failure the failing sequence was never cleaned up: no use waiting.)
    const store = l.cluster.local.store;
    if (report.failures.length === 0 && !stop) {
      await until(`lane ${l.name}: all pods gone`, () => store.list('pods').length === 0, 30_000, 50).catch(() => undefined);
    }
    audits.push({
      lane: l.name, created: l.audit.created, deleted: l.audit.deleted, orderedChecks: l.audit.orderedChecks,
      violations: [...l.audit.violations], podsLeft: store.list('pods').length,
    });
  }
  await Promise.all(lanes.map((l) => l.stop()));
  parentPort?.postMessage({ type: 'done', result: { report, audits } } satisfies FromWorker);
}

const data = workerData as { embeddedFuzz?: WorkerInput } | undefined;
if (!isMainThread && data?.embeddedFuzz) await workerMain(data.embeddedFuzz);
