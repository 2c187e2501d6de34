// Randomised sequences against the REAL embedded API with simulated nodes and the controller
// running, in the spirit of upstream's StatefulSet fuzz tests (helpers/fuzz.ts): scale 0–5,
// template changes, readiness flips, pod deletions, node loss (then force-delete or node return)
// and controller restarts. A store-level audit (helpers/audit.ts) checks identity and
// OrderedReady ordering on every pod event; after each sequence the set must converge to its
// spec. A thousand sequences by default, over independent lanes (each its own embedded API,
// simulated nodes, controller and audit) spread over worker threads (helpers/fuzz-embedded.ts),
// so one lane's waits overlap the others' work and both cores of a small machine are used.
// The same driver runs against kube-apiserver in test/e2e/real-randomized.test.ts.
// ORDINAL_FUZZ_SEQUENCES and ORDINAL_FUZZ_SEED reproduce or extend a run (a failure prints the
// command for its seed); ORDINAL_FUZZ_THREADS and ORDINAL_FUZZ_LANES (per thread) size it.
import { afterAll, describe, expect, it } from 'vitest';
import { Store, type KObject } from '../../src/local/api/index.ts';
import { PodAudit } from './helpers/audit.ts';
import { runEmbeddedFuzz } from './helpers/fuzz-embedded.ts';

const SEQUENCES = Number(process.env.ORDINAL_FUZZ_SEQUENCES ?? 1000);
const BASE_SEED = Number(process.env.ORDINAL_FUZZ_SEED ?? 20260101);
const THREADS = Number(process.env.ORDINAL_FUZZ_THREADS ?? 2);
const LANES_PER_THREAD = Number(process.env.ORDINAL_FUZZ_LANES ?? 3);
// Sim timings: a node is Unknown about a second after it goes silent (grace 800 ms plus one
// monitor period); heartbeats every 200 ms keep a busy event loop from losing nodes by accident.
const TIMINGS = { readyDelayMs: 30, heartbeatMs: 200, gracePeriodMs: 800, shutdownMs: 20 };

describe('StatefulSet controller on the embedded cluster, randomised', () => {
  let terminate: (() => Promise<void>) | undefined;
  afterAll(async () => { await terminate?.(); });

  it(`keeps one pod per identity and OrderedReady ordering, and converges, over ${SEQUENCES} sequences`, async () => {
    const seeds = Array.from({ length: SEQUENCES }, (_, i) => BASE_SEED + i);
    const run = runEmbeddedFuzz({
      seeds, threads: THREADS, lanesPerThread: LANES_PER_THREAD, timings: TIMINGS,
      reproduce: 'ORDINAL_FUZZ_SEED={seed} ORDINAL_FUZZ_SEQUENCES=1 npx vitest run test/controller/cluster-randomized.test.ts',
    });
    terminate = run.terminate;
    const { report, audits } = await run.result;
    expect(report.failures.join('\n\n')).toBe('');
    expect(report.sequences).toBe(SEQUENCES);
    // Every cleanup finished: nothing is left behind and each audit saw every deletion.
    for (const a of audits) {
      expect(a.violations, `lane ${a.lane}`).toEqual([]);
      expect(a.podsLeft, `lane ${a.lane}: pods left`).toBe(0);
      expect(a.deleted, `lane ${a.lane}: deletions seen`).toBe(a.created);
    }
    const created = audits.reduce((n, a) => n + a.created, 0);
    const ordered = audits.reduce((n, a) => n + a.orderedChecks, 0);
    expect(created).toBeGreaterThan(SEQUENCES);
    console.log(`cluster-randomized: ${report.sequences} sequences (${report.steps} steps) over ${audits.length} lanes in ${Math.min(THREADS, SEQUENCES)} threads, ` +
      `${created} pods created, ${ordered} OrderedReady creations checked, ${report.restarts} controller restarts, ${report.ms} ms`);
  }, Math.max(120_000, SEQUENCES * 1_000));
});

// The audit must itself catch what it is there to catch; fed here by a bare store.
describe('the pod audit', () => {
  const owner = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 's', controller: true }];
  const pod = (name: string, uid: string, ready: boolean): KObject => ({
    metadata: { name, namespace: 'a', uid, ownerReferences: owner },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  it.each<[string, (s: Store) => void, RegExp | undefined]>([
    ['in order, each Ready first', (s) => { s.put('pods', pod('web-0', 'u0', true)); s.put('pods', pod('web-1', 'u1', false)); }, undefined],
    ['a new uid after DELETED', (s) => { s.put('pods', pod('web-0', 'u0', true)); s.remove('pods', 'a', 'web-0'); s.put('pods', pod('web-0', 'u1', false)); }, undefined],
    ['a second uid for a live name', (s) => { s.put('pods', pod('web-0', 'u0', true)); s.put('pods', pod('web-0', 'u1', true)); }, /MODIFIED for uid u1 but the live uid is u0/],
    ['pod 1 before pod 0', (s) => { s.put('pods', pod('web-1', 'u1', false)); }, /web-1 created while predecessor a\/web-0 was missing/],
    ['pod 1 while pod 0 was never Ready', (s) => { s.put('pods', pod('web-0', 'u0', false)); s.put('pods', pod('web-1', 'u1', false)); }, /was not Ready \(last good never\)/],
  ])('%s', (_name, drive, want) => {
    const store = new Store();
    store.put('statefulsets.apps', { metadata: { name: 'web', namespace: 'a' }, spec: { podManagementPolicy: 'OrderedReady' } });
    const audit = new PodAudit(store);
    drive(store);
    audit.stop();
    if (want) expect(audit.violations.join('\n')).toMatch(want);
    else expect(audit.violations).toEqual([]);
  });
});
