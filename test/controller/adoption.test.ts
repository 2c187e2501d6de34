import { describe, expect, it } from 'vitest';
import { claimPods, releasedRefs, adoptedRefs } from '../../src/controller/adoption.ts';
import { admitEvent, eventFor, SPAM_CACHE_SIZE, spamKey } from '../../src/controller/events.ts';
import type { Bucket } from '../../src/kube/ratelimit.ts';
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

describe('event spam filter (client-go EventSourceObjectSpamFilter)', () => {
  const set = { kind: 'StatefulSet', apiVersion: 'apps/v1', namespace: 'ns', name: 'web', uid: 'u1' };
  const key = (obj = set, type = 'Normal') => spamKey({ component: 'statefulset-controller' }, obj, type);

  it('admits a burst of 25 per object and type, then one more per 300 s', () => {
    const buckets = new Map<string, Bucket>();
    const admitted = Array.from({ length: 30 }, () => admitEvent(buckets, key(), 0)).filter(Boolean).length;
    expect(admitted).toBe(25);
    expect(admitEvent(buckets, key(), 299_000)).toBe(false);
    expect(admitEvent(buckets, key(), 300_000)).toBe(true);
    expect(admitEvent(buckets, key(), 300_000)).toBe(false);
  });

  it.each([
    ['another object', key({ ...set, name: 'db', uid: 'u2' })],
    ['another event type', key(set, 'Warning')],
  ])('keeps a separate bucket for %s', (_what, other) => {
    const buckets = new Map<string, Bucket>();
    for (let i = 0; i < 25; i++) admitEvent(buckets, key(), 0);
    expect(admitEvent(buckets, key(), 0)).toBe(false);
    expect(admitEvent(buckets, other, 0)).toBe(true);
  });

  it('forgets the least recently used bucket past the cache size', () => {
    const buckets = new Map<string, Bucket>();
    for (let i = 0; i <= SPAM_CACHE_SIZE; i++) admitEvent(buckets, `k${i}`, 0);
    expect(buckets.size).toBe(SPAM_CACHE_SIZE);
    expect(buckets.has('k0')).toBe(false);
  });
});
