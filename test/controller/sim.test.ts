// Randomised reconcile driver in the spirit of upstream stateful_set_control_test.go: after every
// single `plan` the invariants are checked; each sequence must then converge to its spec.
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/controller/plan.ts';
import type { Action } from '../../src/controller/actions.ts';
import {
  claimsForOrdinal, endOrdinal, getOrdinal, identityMatches, inOrdinalRange, isCreated, isRunningAndAvailable,
  isRunningAndReady, isTerminating, podRevision, startOrdinal, storageMatches,
} from '../../src/controller/pods.ts';
import type { Pod, StatefulSet } from '../../src/controller/types.ts';
import { makeSet, withImage } from './fixtures.ts';
import { rng, World } from './world.ts';

function check(w: World, before: Pod[], actions: Action[]): void {
  const set = w.set;
  const monotonic = set.spec.podManagementPolicy !== 'Parallel';
  const minReady = set.spec.minReadySeconds ?? 0;
  // At most one pod per identity: ordinals are unique and nothing was created over an existing name.
  const ordinals = [...w.pods.values()].map(getOrdinal);
  expect(new Set(ordinals).size).toBe(ordinals.length);
  expect(w.errors).toEqual([]);
  const byOrdinal = new Map(before.map((p) => [getOrdinal(p), p]));
  const creates = actions.filter((a): a is Extract<Action, { kind: 'createPod' }> => a.kind === 'createPod');
  const condemnedDeletes = actions.filter((a): a is Extract<Action, { kind: 'deletePod' }> => a.kind === 'deletePod' && a.reason === 'condemned');
  if (monotonic) {
    expect(creates.length).toBeLessThanOrEqual(1);
    for (const c of creates) {
      // OrderedReady never creates past a missing, terminating, unready or unavailable predecessor.
      for (let o = startOrdinal(set); o < getOrdinal(c.object); o++) {
        const p = byOrdinal.get(o);
        expect(p && !isTerminating(p) && isRunningAndReady(p) && isRunningAndAvailable(p, minReady, w.now), `predecessor ${o} of ${c.pod}`).toBeTruthy();
      }
    }
    // Scale-down: one at a time, highest ordinal first, only once the previous one is gone.
    expect(condemnedDeletes.length).toBeLessThanOrEqual(1);
    for (const d of condemnedDeletes) {
      expect(Math.max(...before.map(getOrdinal))).toBe(getOrdinal({ metadata: { name: d.pod } }));
      // Pods outside the range may have been deleted by someone else; in-range ones block.
      expect(before.filter((p) => isTerminating(p) && inOrdinalRange(set, getOrdinal(p)))).toEqual([]);
    }
  }
  // Status is consistent with the pods the pass saw.
  const status = actions.find((a) => a.kind === 'updateStatus');
  if (status) {
    expect(status.status.replicas).toBe(before.filter(isCreated).length);
    expect(status.status.readyReplicas).toBe(before.filter(isRunningAndReady).length);
    expect(status.status.observedGeneration).toBe(set.metadata.generation);
  }
  // Identity, storage and claims of every pod that is up.
  for (const pod of w.pods.values()) {
    expect(identityMatches(set, pod)).toBe(true);
    expect(storageMatches(set, pod)).toBe(true);
    if (isRunningAndReady(pod) && inOrdinalRange(set, getOrdinal(pod))) {
      for (const c of claimsForOrdinal(set, getOrdinal(pod)).values()) expect(w.claims.has(c.metadata.name ?? ''), `claim of ${pod.metadata.name}`).toBe(true);
    }
  }
}

/** U1/U2: current-revision pods are a prefix and update-revision pods a suffix (upstream assertUpdateInvariants). */
function checkUpdate(set: StatefulSet, pods: Pod[]): void {
  if (set.spec.updateStrategy?.type === 'OnDelete' || !set.status) return;
  const sorted = [...pods].sort((a, b) => getOrdinal(a) - getOrdinal(b));
  const cur = set.status.currentReplicas ?? 0;
  const upd = set.status.updatedReplicas ?? 0;
  for (let i = 0; i < cur && i < sorted.length; i++) expect(podRevision(sorted[i]!)).toBe(set.status.currentRevision);
  for (let i = 0; i < upd && i < sorted.length; i++) expect(podRevision(sorted[sorted.length - 1 - i]!)).toBe(set.status.updateRevision);
}

function sync(w: World): Action[] {
  const before = w.podList();
  const actions = plan(w.set, before, w.claimList(), w.revisionList(), w.now);
  w.apply(actions);
  check(w, before, actions);
  return actions;
}

function converged(w: World): boolean {
  const set = w.set;
  const n = set.spec.replicas ?? 1;
  const pods = [...w.pods.values()];
  if (pods.length !== n || set.status?.readyReplicas !== n || set.status.replicas !== n) return false;
  if (!pods.every((p) => isRunningAndReady(p) && !isTerminating(p) && inOrdinalRange(set, getOrdinal(p)))) return false;
  if (set.spec.updateStrategy?.type === 'OnDelete') return true;
  return set.status.currentRevision === set.status.updateRevision && pods.every((p) => podRevision(p) === set.status?.updateRevision);
}

/** Quiet phase: the kubelet finishes everything, lost nodes are force-cleaned, nothing else changes. */
function settle(w: World, random: () => number, maxSteps = 3000): number {
  for (let step = 0; step < maxSteps; step++) {
    sync(w);
    if (converged(w)) return step;
    w.now += 1000;
    const names = [...w.pods.keys()];
    for (const name of names) if (random() < 0.5) w.advance(name);
    for (const name of [...w.lost]) if (random() < 0.1) w.remove(name); // force delete
  }
  throw new Error(`did not converge: ${JSON.stringify({ status: w.set.status, pods: [...w.pods.values()].map((p) => [p.metadata.name, p.status?.phase, isTerminating(p), podRevision(p)]) })}`);
}

function randomSet(random: () => number): StatefulSet {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  return makeSet({
    replicas: pick([0, 1, 2, 3, 4]),
    podManagementPolicy: pick(['OrderedReady', 'Parallel']),
    updateStrategy: pick([{ type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: pick([1, 2, '50%']) } }, { type: 'OnDelete' }]),
    ordinals: { start: pick([0, 0, 3]) },
    minReadySeconds: pick([0, 0, 2]),
    revisionHistoryLimit: pick([0, 2, 10]),
    persistentVolumeClaimRetentionPolicy: { whenDeleted: pick(['Retain', 'Delete']), whenScaled: pick(['Retain', 'Delete']) },
  });
}

function disturb(w: World, random: () => number): void {
  const names = [...w.pods.keys()];
  const name = names[Math.floor(random() * names.length)];
  const r = random();
  if (r < 0.15) {
    w.set = { ...w.set, spec: { ...w.set.spec, replicas: Math.floor(random() * 6) }, metadata: { ...w.set.metadata, generation: (w.set.metadata.generation ?? 1) + 1 } };
  } else if (r < 0.25) {
    w.set = withImage(w.set, `nginx:${Math.floor(random() * 4)}`);
  } else if (!name) {
    return;
  } else if (r < 0.4) {
    const pod = w.pods.get(name)!;
    if (pod.status?.phase === 'Running' && !isTerminating(pod)) w.setReady(pod, random() < 0.5);
  } else if (r < 0.5) {
    w.deleteGracefully(name);
  } else if (r < 0.55) {
    w.fail(name);
  } else if (r < 0.6) {
    w.lost.add(name);
    w.deleteGracefully(name);
  } else {
    w.advance(name);
  }
}

describe('randomised reconcile (fixed seed)', () => {
  it('keeps every invariant after every pass and converges, over 1000 sequences', () => {
    const random = rng(20260101);
    let steps = 0;
    for (let seq = 0; seq < 1000; seq++) {
      const w = new World(randomSet(random));
      for (let i = 0; i < 30; i++) {
        sync(w);
        disturb(w, random);
        w.now += 1000;
      }
      steps += settle(w, random);
      expect(w.pods.size).toBe(w.set.spec.replicas);
      for (const pod of w.pods.values()) {
        expect(getOrdinal(pod)).toBeGreaterThanOrEqual(startOrdinal(w.set));
        expect(getOrdinal(pod)).toBeLessThan(endOrdinal(w.set));
      }
      expect(w.revisions.size).toBeLessThanOrEqual((w.set.spec.revisionHistoryLimit ?? 10) + 2 + w.pods.size);
    }
    expect(steps).toBeGreaterThan(1000);
  });
});

describe('upstream-style drivers', () => {
  it.each(['OrderedReady', 'Parallel'])('%s: scale up, update with U1/U2 after every pass, scale down', (policy) => {
    const random = rng(7);
    const w = new World(makeSet({ replicas: 5, podManagementPolicy: policy }));
    settle(w, random);
    w.set = withImage(w.set, 'nginx:2');
    for (let i = 0; i < 2000; i++) {
      sync(w);
      checkUpdate(w.set, [...w.pods.values()]);
      if (converged(w)) break;
      for (const name of [...w.pods.keys()]) if (random() < 0.5) w.advance(name);
      w.now += 1000;
    }
    expect(converged(w)).toBe(true);
    expect([...w.pods.values()].every((p) => (p.spec?.containers as { image: string }[])[0]?.image === 'nginx:2')).toBe(true);
    w.set = { ...w.set, spec: { ...w.set.spec, replicas: 0 } };
    settle(w, random);
    expect(w.pods.size).toBe(0);
  });

  it('partition: ordinals below it keep the old template', () => {
    const random = rng(9);
    const w = new World(makeSet({ replicas: 5, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }));
    settle(w, random);
    w.set = withImage(w.set, 'nginx:2');
    for (let i = 0; i < 500; i++) {
      sync(w);
      checkUpdate(w.set, [...w.pods.values()]);
      for (const name of [...w.pods.keys()]) w.advance(name);
      w.now += 1000;
    }
    const images = [...w.pods.values()].sort((a, b) => getOrdinal(a) - getOrdinal(b)).map((p) => (p.spec?.containers as { image: string }[])[0]?.image);
    expect(images).toEqual(['nginx:1', 'nginx:1', 'nginx:2', 'nginx:2', 'nginx:2']);
  });

  it('a pod on a lost node freezes OrderedReady until it is force-deleted, then comes back with its claim', () => {
    const random = rng(11);
    const w = new World(makeSet({ replicas: 3 }));
    settle(w, random);
    const claimUid = w.claims.get('www-web-1')?.metadata.uid;
    w.lost.add('web-1');
    w.deleteGracefully('web-1');
    w.set = { ...w.set, spec: { ...w.set.spec, replicas: 5 } };
    for (let i = 0; i < 20; i++) {
      sync(w);
      for (const name of [...w.pods.keys()]) w.advance(name);
    }
    expect([...w.pods.keys()].sort()).toEqual(['web-0', 'web-1', 'web-2']);
    w.remove('web-1');
    settle(w, random);
    expect(w.pods.size).toBe(5);
    expect(w.claims.get('www-web-1')?.metadata.uid).toBe(claimUid);
  });
});
