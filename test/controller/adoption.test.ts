import { describe, expect, it } from 'vitest';
import { claimPods, releasedRefs, adoptedRefs } from '../../src/controller/adoption.ts';
import { eventFor } from '../../src/controller/events.ts';
import type { Pod } from '../../src/controller/types.ts';
import { makePod, makeSet, NOW } from './fixtures.ts';

describe('claimPods (ControllerRefManager)', () => {
  const set = makeSet();
  const orphan = (name: string, labels: Record<string, string>): Pod => ({ metadata: { name, namespace: 'default', uid: `u-${name}`, labels } });
  const ours = makePod(set, 0);
  const other = { ...makePod(set, 1), metadata: { ...makePod(set, 1).metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'x', uid: 'other', controller: true }] } };

  it.each<[string, Pod, 'owned' | 'adopt' | 'release' | 'ignored']>([
    ['owned and matching', ours, 'owned'],
    ['orphan with matching labels and name', orphan('web-4', { app: 'web' }), 'adopt'],
    ['orphan with wrong labels', orphan('web-4', { app: 'x' }), 'ignored'],
    ['orphan with an x-prefixed name', orphan('xweb-4', { app: 'web' }), 'ignored'],
    ['orphan being deleted', { ...orphan('web-4', { app: 'web' }), metadata: { ...orphan('web-4', { app: 'web' }).metadata, deletionTimestamp: 'now' } }, 'ignored'],
    ['owned by another controller', other, 'ignored'],
    ['owned with wrong labels', { ...ours, metadata: { ...ours.metadata, labels: { app: 'nope' } } }, 'release'],
    ['owned with a wrong name', { ...ours, metadata: { ...ours.metadata, name: 'goo-0' } }, 'release'],
    ['other namespace', { ...orphan('web-4', { app: 'web' }), metadata: { ...orphan('web-4', { app: 'web' }).metadata, namespace: 'x' } }, 'ignored'],
  ])('%s', (_n, pod, want) => {
    const r = claimPods(set, [pod]);
    const got = r.release.length ? 'release' : r.adopt.length ? 'adopt' : r.owned.length ? 'owned' : 'ignored';
    expect(got).toBe(want);
    if (want === 'adopt') expect(r.owned).toEqual([pod]);
  });

  it('neither adopts nor releases while the set is being deleted', () => {
    const dying = { ...set, metadata: { ...set.metadata, deletionTimestamp: new Date(NOW).toISOString() } };
    const r = claimPods(dying, [orphan('web-4', { app: 'web' }), { ...ours, metadata: { ...ours.metadata, labels: {} } }]);
    expect(r).toEqual({ owned: [], adopt: [], release: [] });
  });

  it('adds and removes exactly our controller ref', () => {
    const pod = orphan('web-4', { app: 'web' });
    pod.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Thing', name: 't', uid: 't' }];
    const refs = adoptedRefs(set, pod);
    expect(refs.map((r) => r.uid)).toEqual(['t', 'uid-web']);
    expect(releasedRefs(set, { metadata: { ownerReferences: refs } })).toEqual([pod.metadata.ownerReferences[0]]);
  });
});

describe('events', () => {
  const pod = makePod(makeSet(), 0);
  it.each([
    [{ kind: 'createPod', pod: 'web-0', object: pod } as const, undefined, 'Normal', 'SuccessfulCreate', 'create Pod web-0 in StatefulSet web successful'],
    [{ kind: 'createPod', pod: 'web-0', object: pod } as const, new Error('boom'), 'Warning', 'FailedCreate', 'create Pod web-0 in StatefulSet web failed error: boom'],
    [{ kind: 'deletePod', pod: 'web-0', uid: 'u', reason: 'condemned' } as const, undefined, 'Normal', 'SuccessfulDelete', 'delete Pod web-0 in StatefulSet web successful'],
    [{ kind: 'updatePod', pod: 'web-0', object: pod } as const, new Error('x'), 'Warning', 'FailedUpdate', 'update Pod web-0 in StatefulSet web failed error: x'],
    [{ kind: 'createClaim', pod: 'web-0', claim: { metadata: { name: 'www-web-0' } } } as const, undefined, 'Normal', 'SuccessfulCreate', 'create Claim www-web-0 Pod web-0 in StatefulSet web success'],
    [{ kind: 'createClaim', pod: 'web-0', claim: { metadata: { name: 'www-web-0' } } } as const, new Error('q'), 'Warning', 'FailedCreate', 'create Claim www-web-0 for Pod web-0 in StatefulSet web failed error: q'],
  ])('%o', (action, err, type, reason, message) => {
    expect(eventFor(action, 'web', err)).toEqual({ type, reason, message });
  });

  it('status and revision writes make no event', () => {
    expect(eventFor({ kind: 'updateStatus', status: { replicas: 1 } }, 'web')).toBeUndefined();
  });
});
