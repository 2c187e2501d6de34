import { describe, expect, it } from 'vitest';
import { plan } from '../../src/controller/plan.ts';
import type { Action } from '../../src/controller/actions.ts';
import { claimsForOrdinal } from '../../src/controller/pods.ts';
import { newRevision } from '../../src/controller/revisions.ts';
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet, StatefulSetSpec } from '../../src/controller/types.ts';
import { makePod, makeSet, NOW, withImage, type PodState } from './fixtures.ts';

/** A settled world: one revision, pods in the given states at ordinals start.., claims present. */
function world(spec: Partial<StatefulSetSpec>, states: (PodState | null)[], opts: { start?: number } = {}) {
  const set = makeSet(spec);
  const rev = newRevision(set, 1, 0);
  set.status = { replicas: 0, currentRevision: rev.metadata.name, updateRevision: rev.metadata.name };
  const start = opts.start ?? set.spec.ordinals?.start ?? 0;
  const pods: Pod[] = [];
  const claims: PersistentVolumeClaim[] = [];
  states.forEach((s, i) => {
    if (s === null) return;
    pods.push(makePod(set, start + i, s, rev));
    claims.push(...claimsForOrdinal(set, start + i).values());
  });
  return { set, rev, pods, claims, revisions: [rev] as ControllerRevision[] };
}

/** Pod- and claim-level effects in order, e.g. "create web-1", "delete web-2 (condemned)". */
function effects(actions: Action[]): string[] {
  const out: string[] = [];
  for (const a of actions) {
    if (a.kind === 'createPod') out.push(`create ${a.pod}`);
    else if (a.kind === 'deletePod') out.push(`delete ${a.pod} (${a.reason})`);
    else if (a.kind === 'createClaim') out.push(`claim ${a.claim.metadata.name}`);
    else if (a.kind === 'updatePod') out.push(`update ${a.pod}`);
    else if (a.kind === 'updateClaimOwnerRefs') out.push(`refs ${a.claim}`);
    else if (a.kind === 'fail') out.push(`fail ${a.message}`);
  }
  return out;
}

function run(w: ReturnType<typeof world>, set: StatefulSet = w.set) {
  return plan(set, w.pods, w.claims, w.revisions, NOW);
}

describe('plan: OrderedReady scaling', () => {
  it.each<[string, Partial<StatefulSetSpec>, (PodState | null)[], string[]]>([
    ['creates claims then ordinal 0 only', {}, [], ['claim www-web-0', 'create web-0']],
    ['creates the next ordinal after a ready predecessor', {}, ['ready'], ['claim www-web-1', 'create web-1']],
    ['waits for a pending predecessor', {}, ['pending'], []],
    ['waits for a running-not-ready predecessor', {}, ['ready', 'running'], []],
    ['waits for a terminating predecessor', {}, ['terminating', 'ready'], []],
    ['fills a gap before going higher', {}, ['ready', null, 'ready'], ['claim www-web-1', 'create web-1']],
    ['deletes a failed pod and blocks', {}, ['failed', 'ready', 'ready'], ['delete web-0 (failed)']],
    ['deletes a succeeded pod and blocks', {}, ['ready', 'succeeded'], ['delete web-1 (failed)']],
    ['waits for availability (minReadySeconds)', { minReadySeconds: 7200 }, ['ready'], []],
    ['scales down highest first, one at a time', { replicas: 1 }, ['ready', 'ready', 'ready'], ['delete web-2 (condemned)']],
    ['waits for the condemned pod to be gone', { replicas: 1 }, ['ready', 'ready', 'terminating'], []],
    ['does not scale down while an in-range pod is unready', { replicas: 1 }, ['running', 'ready', 'ready'], []],
    ['deletes an unready condemned pod when it is the first unhealthy', { replicas: 1 }, ['ready', 'running'], ['delete web-1 (condemned)']],
    ['blocks on an unready condemned pod that is not the first unhealthy', { replicas: 1 }, ['ready', 'running', 'running'], []],
    ['scale to zero deletes the highest', { replicas: 0 }, ['ready', 'ready'], ['delete web-1 (condemned)']],
  ])('%s', (_n, spec, states, want) => {
    expect(effects(run(world(spec, states)))).toEqual(want);
  });
});

describe('plan: failed pods', () => {
  it.each(['OrderedReady', 'Parallel'])('%s does not re-delete or replace a failed pod that is terminating', (policy) => {
    const w = world({ podManagementPolicy: policy, replicas: 1 }, ['failed']);
    w.pods[0]!.metadata.deletionTimestamp = new Date(NOW).toISOString();
    expect(effects(run(w))).toEqual([]);
  });
});

describe('plan: Parallel scaling', () => {
  it.each<[string, Partial<StatefulSetSpec>, (PodState | null)[], string[]]>([
    ['creates every missing pod', { replicas: 3 }, [], ['claim www-web-0', 'create web-0', 'claim www-web-1', 'create web-1', 'claim www-web-2', 'create web-2']],
    ['creates past unready pods', { replicas: 3 }, ['pending', null, 'running'], ['claim www-web-1', 'create web-1']],
    ['does not replace a terminating pod', { replicas: 2 }, ['terminating', null], ['claim www-web-1', 'create web-1']],
    ['deletes failed and creates others', { replicas: 2 }, ['failed', null], ['delete web-0 (failed)', 'claim www-web-1', 'create web-1']],
    ['deletes all condemned at once', { replicas: 1 }, ['ready', 'running', 'ready'], ['delete web-2 (condemned)', 'delete web-1 (condemned)']],
  ])('%s', (_n, spec, states, want) => {
    expect(effects(run(world({ podManagementPolicy: 'Parallel', ...spec }, states)))).toEqual(want);
  });

  it('tags creations with slowStartBatch batches 1, 2, 4, …', () => {
    const w = world({ podManagementPolicy: 'Parallel', replicas: 10, volumeClaimTemplates: [] }, []);
    const batches = run(w).flatMap((a) => (a.kind === 'createPod' ? [a.batch] : []));
    expect(batches).toEqual([0, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
  });
});

describe('plan: ordinals.start', () => {
  it('creates from the start ordinal and condemns pods below it', () => {
    const w = world({ ordinals: { start: 2 }, replicas: 2 }, ['ready', 'ready'], { start: 0 });
    // pods web-0, web-1 are now outside [2, 4); scaling up comes first, then scale-down.
    expect(effects(run(w))).toEqual(['claim www-web-2', 'create web-2']);
  });
});

describe('plan: never two pods per identity', () => {
  it.each(['OrderedReady', 'Parallel'])('%s never plans a pod whose name exists', (policy) => {
    const w = world({ podManagementPolicy: policy, replicas: 5 }, ['terminating', 'failed', 'terminating', null, 'pending']);
    const names = new Set(w.pods.map((p) => p.metadata.name));
    for (const a of run(w)) if (a.kind === 'createPod') expect(names.has(a.pod)).toBe(false);
  });

  it('a set being deleted gets only status', () => {
    const w = world({}, []);
    const set = { ...w.set, metadata: { ...w.set.metadata, deletionTimestamp: new Date(NOW).toISOString() } };
    expect(effects(run(w, set))).toEqual([]);
    expect(run(w, set).some((a) => a.kind === 'updateStatus')).toBe(true);
  });
});

describe('plan: rolling update', () => {
  function updated(spec: Partial<StatefulSetSpec>, states: (PodState | null)[], newAt: number[] = []) {
    const w = world(spec, states);
    const set = withImage(w.set, 'nginx:2');
    const rev2 = newRevision(set, 2, 0);
    w.revisions.push(rev2);
    for (const i of newAt) {
      const p = w.pods[i]!;
      p.metadata.labels = { ...p.metadata.labels, 'controller-revision-hash': rev2.metadata.name ?? '' };
    }
    return { w, set };
  }

  it.each<[string, Partial<StatefulSetSpec>, (PodState | null)[], number[], string[]]>([
    ['deletes the highest outdated pod', {}, ['ready', 'ready', 'ready'], [], ['delete web-2 (update)']],
    ['continues below an updated pod', {}, ['ready', 'ready', 'ready'], [2], ['delete web-1 (update)']],
    ['waits for an unavailable pod', { minReadySeconds: 0 }, ['ready', 'ready', 'running'], [], []],
    ['respects the partition', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, ['ready', 'ready', 'ready'], [2], []],
    ['maxUnavailable 2 deletes two', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } }, ['ready', 'ready', 'ready'], [], ['delete web-2 (update)', 'delete web-1 (update)']],
    ['maxUnavailable counts terminating pods', { podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } }, ['ready', 'ready', 'terminating'], [], ['delete web-1 (update)']],
    ['maxUnavailable 50% of 3 rounds down to 1', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%' } } }, ['ready', 'ready', 'ready'], [], ['delete web-2 (update)']],
    ['OnDelete never deletes for update', { updateStrategy: { type: 'OnDelete' } }, ['ready', 'ready', 'ready'], [], []],
    ['scaling takes precedence over updates', { replicas: 2 }, ['ready', 'ready', 'ready'], [], ['delete web-2 (condemned)']],
  ])('%s', (_n, spec, states, newAt, want) => {
    const { w, set } = updated(spec, states, newAt);
    expect(effects(run(w, set))).toEqual(want);
  });

  it('lowers currentReplicas for the pod it deletes', () => {
    const { w, set } = updated({}, ['ready', 'ready', 'ready']);
    const status = run(w, set).find((a) => a.kind === 'updateStatus');
    expect(status).toMatchObject({ status: { currentReplicas: 2, updatedReplicas: 0, replicas: 3 } });
  });

  it('recreates a pod below the partition at the current revision', () => {
    const { w, set } = updated({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, ['ready', null, 'ready'], [1]);
    const create = run(w, set).find((a) => a.kind === 'createPod');
    expect(create?.kind === 'createPod' && create.object.metadata.labels?.['controller-revision-hash']).toBe(w.rev.metadata.name);
  });
});

describe('plan: identity and storage repair', () => {
  it('rewrites a pod whose pod-name label was changed, without blocking', () => {
    const w = world({ replicas: 2 }, ['ready']);
    w.pods[0]!.metadata.labels!['statefulset.kubernetes.io/pod-name'] = 'wrong';
    const actions = run(w);
    expect(effects(actions)).toEqual(['update web-0', 'claim www-web-1', 'create web-1']);
    const upd = actions.find((a) => a.kind === 'updatePod');
    expect(upd?.kind === 'updatePod' && upd.object.metadata.labels?.['statefulset.kubernetes.io/pod-name']).toBe('web-0');
  });

  it('recreates a claim deleted under a pending pod', () => {
    const w = world({}, ['pending']);
    w.claims = [];
    expect(effects(run(w))).toEqual(['claim www-web-0']);
  });

  it('refuses to create a pod whose claim is being deleted', () => {
    const w = world({}, []);
    const claim = claimsForOrdinal(w.set, 0).get('www')!;
    claim.metadata.deletionTimestamp = new Date(NOW).toISOString();
    w.claims = [claim];
    expect(effects(run(w))).toEqual(['fail pvc www-web-0 is being deleted']);
  });
});

describe('plan: status and requeue', () => {
  it('writes status only when it changed', () => {
    const w = world({}, ['ready', 'ready', 'ready']);
    const first = run(w).find((a) => a.kind === 'updateStatus');
    expect(first).toMatchObject({ status: { replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, observedGeneration: 1 } });
    const settled = { ...w.set, status: first?.kind === 'updateStatus' ? first.status : { replicas: 0 } };
    expect(run(w, settled).some((a) => a.kind === 'updateStatus')).toBe(false);
  });

  it('requeues for minReadySeconds', () => {
    const w = world({ minReadySeconds: 10, replicas: 1 }, []);
    w.pods.push(makePod(w.set, 0, 'ready', w.rev, NOW - 4000));
    expect(run(w).find((a) => a.kind === 'requeue')).toEqual({ kind: 'requeue', afterMs: 7000 });
  });
});
