/**
 * The randomised StatefulSet sequences of test/controller/cluster-randomized.test.ts (the
 * driver is shared: test/controller/helpers/fuzz.ts) against a real kube-apiserver 1.36 and
 * etcd. kube-controller-manager runs its garbage collector and namespace controller (set and
 * namespace cleanups cascade through them); ordinal's StatefulSet controller runs in this
 * process and is restarted by the sequences; ordinal's simulated kubelets, node-lifecycle
 * controller (the real one is not running, so node loss goes through the sim's: a node
 * annotated lost stops heartbeating, is marked Unknown and its pods NodeLost) and PV binder
 * stand in for the rest. The audit cannot read etcd: it watches every pod from the
 * resourceVersion of a list and checks, on each event, one live uid per name and OrderedReady
 * creation only after lower ordinals were Ready.
 *
 * Lanes run concurrently on the one plane, each on its own two nodes (a node label and the
 * set's nodeSelector), so one lane's node loss never touches another's pods. The controller
 * is shared: a restart by one lane is felt by all of them, which only adds to the chaos.
 * ORDINAL_FUZZ_REAL_SEQUENCES, ORDINAL_FUZZ_REAL_LANES and ORDINAL_FUZZ_SEED reproduce or extend a run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeApi, type Api } from '../../src/controller/rest.ts';
import { startNodeLifecycle, startPvBinder, startSimNodes, type Stoppable } from '../../src/local/sim/index.ts';
import { silentLogger } from '../../src/log.ts';
import { pooled, type Releasable } from '../../src/kube/pooled.ts';
import { startController, until, type Controller } from '../controller/helpers/cluster.ts';
import { apiReader, runLanes, type FuzzTarget, type Lane } from '../controller/helpers/fuzz.ts';
import { WatchAudit } from '../controller/helpers/watch-audit.ts';
import { startControlPlane, type ControlPlane } from './harness/plane.ts';

const SEQUENCES = Number(process.env.ORDINAL_FUZZ_REAL_SEQUENCES ?? 150);
const LANES = Math.max(1, Math.min(SEQUENCES, Number(process.env.ORDINAL_FUZZ_REAL_LANES ?? 3)));
const BASE_SEED = Number(process.env.ORDINAL_FUZZ_SEED ?? 20260101);
const LANE_LABEL = 'fuzz.ordinal.dev/lane';
// A node is Unknown about 1.4 s after it goes silent (grace plus a monitor period).
const TIMINGS = { readyDelayMs: 30, heartbeatMs: 250, gracePeriodMs: 1_200, shutdownMs: 20 };

let plane: ControlPlane | undefined;
let simKc: Releasable | undefined;
const stops: Stoppable[] = [];
let api: Api;
let audit: WatchAudit | undefined;
let ctl: Controller | undefined;
const policies = new Map<string, string>();
const nodesOf = (lane: number) => [`lane${lane}-node-0`, `lane${lane}-node-1`];

beforeAll(async () => {
  plane = await startControlPlane();
  const kc = plane.kubeConfig();
  simKc = pooled(kc);
  api = kubeApi(kc);
  const log = silentLogger();
  const nodes = Array.from({ length: LANES }, (_, i) => nodesOf(i)).flat();
  stops.push(await startSimNodes(simKc, { nodes, readyDelayMs: TIMINGS.readyDelayMs, heartbeatMs: TIMINGS.heartbeatMs, shutdownMs: TIMINGS.shutdownMs, log }));
  for (let i = 0; i < LANES; i++) {
    for (const n of nodesOf(i)) await api.mergePatch(`/api/v1/nodes/${n}`, { metadata: { labels: { [LANE_LABEL]: String(i) } } });
  }
  stops.push(await startNodeLifecycle(simKc, { gracePeriodMs: TIMINGS.gracePeriodMs, log }));
  stops.push(await startPvBinder(simKc, { log }));
  audit = await WatchAudit.start(kc, api, (ns) => {
    const p = policies.get(ns);
    return p ? { podManagementPolicy: p } : undefined;
  });
  ctl = startController(kc);
});

afterAll(async () => {
  audit?.stop();
  await ctl?.stop();
  for (const s of stops.reverse()) await s.stop();
  await simKc?.release();
  await plane?.stop();
});

describe('StatefulSet controller on kube-apiserver, randomised', () => {
  it(`keeps one pod per identity and OrderedReady ordering, and converges, over ${SEQUENCES} sequences`, async () => {
    const kc = plane!.kubeConfig();
    const lanes: Lane[] = Array.from({ length: LANES }, (_, i) => {
      const target: FuzzTarget = {
        api,
        read: apiReader(api),
        nodes: nodesOf(i),
        nodeSelector: { [LANE_LABEL]: String(i) },
        timeouts: { nodeLostMs: 30_000, convergeMs: 60_000, pollMs: 100 },
        onSet: (ns, policy) => policies.set(ns, policy),
        async restartController() {
          await ctl?.stop();
          ctl = startController(kc);
        },
      };
      return { name: String(i), target, violations: () => audit!.violations };
    });
    const seeds = Array.from({ length: SEQUENCES }, (_, i) => BASE_SEED + i);
    const report = await runLanes(lanes, seeds, {
      reproduce: (seed) => `ORDINAL_FUZZ_SEED=${seed} ORDINAL_FUZZ_REAL_SEQUENCES=1 npx vitest run -c vitest.e2e.config.ts test/e2e/real-randomized.test.ts`,
    });
    expect(report.failures.join('\n\n')).toBe('');
    expect(report.sequences).toBe(SEQUENCES);
    // Every cleanup finished (through kube-controller-manager's GC and namespace controller),
    // and the watch saw each pod's deletion.
    await until('every sequence pod gone', async () =>
      (await api.get<{ items: unknown[] }>('/api/v1/pods')).items.length === 0, 120_000, 250);
    await until('the watch to catch up', () => audit!.deleted === audit!.created, 10_000);
    expect(audit!.violations).toEqual([]);
    expect(audit!.created).toBeGreaterThan(SEQUENCES);
    console.log(`real-randomized: ${report.sequences} sequences (${report.steps} steps) over ${LANES} lanes, ${audit!.created} pods created, ` +
      `${audit!.orderedChecks} OrderedReady creations checked, ${report.restarts} controller restarts, ${audit!.resumes} watch resumes, ${report.ms} ms`);
  }, 600_000);
});
