// Randomised sequences against the REAL embedded API with simulated nodes and the controller
// running, in the spirit of upstream's StatefulSet fuzz tests: scale 0–5, template changes,
// readiness flips, pod deletions, node loss (then force-delete or node return) and controller
// restarts. A store-level audit (helpers/audit.ts) checks identity and OrderedReady ordering on
// every pod event; after each sequence the set must converge to its spec. The thousand-sequence
// run lives in sim.test.ts (pure plan over an in-memory world); this one trades count for realism.
// ORDINAL_FUZZ_SEQUENCES and ORDINAL_FUZZ_SEED reproduce or extend a run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/controller/rest.ts';
import { READY_ANNOTATION, LOST_ANNOTATION } from '../../src/local/sim/index.ts';
import { Store, type KObject } from '../../src/local/api/index.ts';
import { rng } from './world.ts';
import { PodAudit } from './helpers/audit.ts';
import { divergence as divergenceOf } from './helpers/converge.ts';
import {
  createNamespace, scaleSet, setImage, setManifest, sleep, startController, startSimCluster, until,
  type Controller, type SimCluster,
} from './helpers/cluster.ts';

const SEQUENCES = Number(process.env.ORDINAL_FUZZ_SEQUENCES ?? 12);
const BASE_SEED = Number(process.env.ORDINAL_FUZZ_SEED ?? 20260101);
const NAME = 'web';

describe('StatefulSet controller on the embedded cluster, randomised', () => {
  let c: SimCluster;
  let ctl: Controller;
  let audit: PodAudit;
  let restarts = 0;

  beforeAll(async () => {
    c = await startSimCluster({ readyDelayMs: 30, gracePeriodMs: 500, heartbeatMs: 100, shutdownMs: 20 });
    audit = new PodAudit(c.local.store);
    ctl = startController(c.kc);
  });
  afterAll(async () => {
    audit?.stop();
    await ctl?.stop();
    await c?.close();
  });

  const podsOf = (ns: string): KObject[] => c.local.store.list('pods', ns);
  const nodePatch = (node: string, lost: boolean) =>
    c.api.mergePatch(`/api/v1/nodes/${node}`, { metadata: { annotations: { [LOST_ANNOTATION]: lost ? 'true' : null } } });
  const ignore = (p: Promise<unknown>) => p.then(() => undefined, () => undefined);

  const divergence = (ns: string) => divergenceOf(c.local.store, ns, NAME, 'data');

  async function sequence(seed: number, trace: string[]): Promise<void> {
    const r = rng(seed);
    const pick = (n: number) => Math.floor(r() * n);
    const ns = `fz-${seed}`;
    const policy = r() < 0.5 ? 'OrderedReady' : 'Parallel';
    let replicas = pick(6);
    let image = 0;
    let lost: string | undefined;
    await createNamespace(c.api, ns);
    await c.api.create(`/apis/apps/v1/namespaces/${ns}/statefulsets`, setManifest({ name: NAME, namespace: ns, replicas, policy, maxUnavailable: 1 + pick(2) }));
    trace.push(`create ${policy} replicas=${replicas}`);
    const steps = 4 + pick(5);
    for (let s = 0; s < steps; s++) {
      const pods = podsOf(ns);
      const victim = pods.length > 0 ? pods[pick(pods.length)] : undefined;
      switch (pick(7)) {
        case 0:
          replicas = pick(6);
          trace.push(`scale ${replicas}`);
          await scaleSet(c.api, ns, NAME, replicas);
          break;
        case 1:
          trace.push(`image app:${++image}`);
          await setImage(c.api, ns, NAME, `app:${image}`);
          break;
        case 2:
          if (!victim) break;
          {
            const hold = victim.metadata.annotations?.[READY_ANNOTATION] !== 'false';
            trace.push(`${hold ? 'hold' : 'release'} ${victim.metadata.name}`);
            await ignore(c.api.mergePatch(paths.pod(ns, victim.metadata.name ?? ''), { metadata: { annotations: { [READY_ANNOTATION]: hold ? 'false' : null } } }));
          }
          break;
        case 3:
          if (!victim) break;
          trace.push(`delete ${victim.metadata.name}`);
          await ignore(c.api.remove(paths.pod(ns, victim.metadata.name ?? '')));
          break;
        case 4:
          if (lost) break;
          lost = c.nodes[pick(c.nodes.length)]!;
          trace.push(`lose ${lost}`);
          await nodePatch(lost, true);
          break;
        case 5:
          if (!lost) break;
          await sleep(600); // past the node grace period, so its pods are NodeLost
          if (r() < 0.5) {
            trace.push(`return ${lost}`);
            await nodePatch(lost, false);
            lost = undefined;
          } else {
            const stuck = podsOf(ns).filter((p) => (p.spec as { nodeName?: string }).nodeName === lost);
            trace.push(`force-delete ${stuck.map((p) => p.metadata.name).join(',') || 'nothing'} on ${lost}`);
            for (const p of stuck) await ignore(c.api.remove(paths.pod(ns, p.metadata.name ?? ''), { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }));
          }
          break;
        default:
          trace.push('restart controller');
          restarts++;
          await ctl.stop();
          ctl = startController(c.kc);
      }
      await sleep(pick(150));
    }
    // Let the world heal: the lost node returns and held pods are released, then converge.
    if (lost) {
      trace.push(`return ${lost}`);
      await nodePatch(lost, false);
    }
    await until(`held pods released in ${ns}`, async () => {
      const held = podsOf(ns).filter((p) => p.metadata.annotations?.[READY_ANNOTATION] === 'false');
      for (const p of held) await ignore(c.api.mergePatch(paths.pod(ns, p.metadata.name ?? ''), { metadata: { annotations: { [READY_ANNOTATION]: null } } }));
      return held.length === 0;
    }, 20_000, 50);
    await until(`convergence of ${ns}`, () => divergence(ns) === undefined, 20_000, 25).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; divergence: ${divergence(ns)}`);
    });
    // Clean up so later sequences do not share nodes with this one's pods.
    await c.api.remove(paths.set(ns, NAME), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' });
  }

  it(`keeps one pod per identity and OrderedReady ordering, and converges, over ${SEQUENCES} sequences`, async () => {
    const t0 = Date.now();
    for (let i = 0; i < SEQUENCES; i++) {
      const seed = BASE_SEED + i;
      const trace: string[] = [];
      try {
        await sequence(seed, trace);
      } catch (err) {
        throw new Error(`seed ${seed} (${trace.join('; ')}): ${(err as Error).message}`);
      }
      expect(audit.violations, `seed ${seed}: ${trace.join('; ')}`).toEqual([]);
    }
    // Every cleanup has finished: nothing is left behind and the audit saw every deletion.
    await until('all pods gone', () => c.local.store.list('pods').length === 0, 15_000, 50);
    expect(audit.violations).toEqual([]);
    expect(audit.created).toBe(audit.deleted);
    expect(audit.created).toBeGreaterThan(SEQUENCES);
    console.log(`cluster-randomized: ${SEQUENCES} sequences, ${audit.created} pods created, ${audit.orderedChecks} OrderedReady creations checked, ${restarts} controller restarts, ${Date.now() - t0} ms`);
  }, 120_000);
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
