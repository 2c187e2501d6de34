import { describe, expect, it } from 'vitest';
import {
  claimsForOrdinal, identityMatches, isPodAvailable, newStatefulSetPod, newVersionedPod, parentAndOrdinal, storageMatches,
} from '../../src/controller/pods.ts';
import { chooseRevisions } from '../../src/controller/revisions.ts';
import { makePod, makeSet, NOW } from './fixtures.ts';

describe('parentAndOrdinal', () => {
  it.each([
    ['web-0', 'web', 0],
    ['web-12', 'web', 12],
    ['my-web-3', 'my-web', 3],
    ['web', '', -1],
    ['web-', '', -1],
    ['web-x', '', -1],
    ['web-2147483647', 'web', 2147483647],
    ['web-2147483648', 'web', -1],
    ['', '', -1],
  ])('%s → (%s, %d)', (name, parent, ordinal) => {
    const got = parentAndOrdinal(name);
    expect(got.ordinal).toBe(ordinal);
    if (ordinal >= 0) expect(got.parent).toBe(parent);
  });
});

describe('newStatefulSetPod', () => {
  const set = makeSet({ ordinals: { start: 2 } });
  const rev = chooseRevisions(set, []).update;
  const pod = newStatefulSetPod(set, rev, 3);

  it('carries identity, revision and controller ref', () => {
    expect(pod.metadata.name).toBe('web-3');
    expect(pod.metadata.namespace).toBe('default');
    expect(pod.metadata.labels).toEqual({
      app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-3', 'apps.kubernetes.io/pod-index': '3',
      'controller-revision-hash': rev.metadata.name,
    });
    expect(pod.spec?.hostname).toBe('web-3');
    expect(pod.spec?.subdomain).toBe('nginx');
    expect(pod.metadata.ownerReferences).toEqual([{
      apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true,
    }]);
  });

  it('mounts one claim per template, replacing a template volume of the same name', () => {
    const s = makeSet();
    s.spec.template.spec = { containers: [], volumes: [{ name: 'www', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }] };
    const p = newStatefulSetPod(s, chooseRevisions(s, []).update, 0);
    expect(p.spec?.volumes).toEqual([
      { name: 'www', persistentVolumeClaim: { claimName: 'www-web-0', readOnly: false } },
      { name: 'cfg', configMap: { name: 'c' } },
    ]);
    expect(storageMatches(s, p)).toBe(true);
    expect(identityMatches(s, p)).toBe(true);
  });
});

describe('identity and storage checks', () => {
  const set = makeSet();
  const good = makePod(set, 1);
  it.each([
    ['matching pod', (p: typeof good) => p, true, true],
    ['wrong pod-name label', (p: typeof good) => ({ ...p, metadata: { ...p.metadata, labels: { ...p.metadata.labels, 'statefulset.kubernetes.io/pod-name': 'x' } } }), false, true],
    ['other namespace', (p: typeof good) => ({ ...p, metadata: { ...p.metadata, namespace: 'other' } }), false, true],
    ['other parent', (p: typeof good) => ({ ...p, metadata: { ...p.metadata, name: 'goo-1' } }), false, true],
    ['volume on wrong claim', (p: typeof good) => ({ ...p, spec: { ...p.spec, volumes: [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-9' } }] } }), true, false],
    ['volume missing', (p: typeof good) => ({ ...p, spec: { ...p.spec, volumes: [] } }), true, false],
  ])('%s', (_name, mutate, id, storage) => {
    const pod = mutate(structuredClone(good));
    expect(identityMatches(set, pod)).toBe(id);
    expect(storageMatches(set, pod)).toBe(storage);
  });
});

describe('claimsForOrdinal', () => {
  it.each([
    ['no template labels ⇒ exactly matchLabels', undefined, { app: 'web' }],
    ['template labels merged, selector wins', { tier: 'db', app: 'other' }, { tier: 'db', app: 'web' }],
  ])('%s', (_n, labels, want) => {
    const set = makeSet();
    const tpl = set.spec.volumeClaimTemplates?.[0];
    if (tpl && labels) tpl.metadata.labels = labels;
    const claim = claimsForOrdinal(set, 4).get('www');
    expect(claim?.metadata.name).toBe('www-web-4');
    expect(claim?.metadata.namespace).toBe('default');
    expect(claim?.metadata.labels).toEqual(want);
    expect(claim?.spec).toEqual(tpl?.spec);
  });
});

describe('isPodAvailable', () => {
  const set = makeSet();
  it.each([
    ['minReady 0, ready', 0, NOW - 1000, 'ready', true],
    ['ready long enough', 3600, NOW - 120 * 60_000, 'ready', true],
    ['ready too recently', 3600, NOW - 30 * 60_000, 'ready', false],
    ['not ready', 0, NOW - 1000, 'running', false],
  ] as const)('%s', (_n, minReady, since, state, want) => {
    expect(isPodAvailable(makePod(set, 0, state, undefined, since), minReady, NOW)).toBe(want);
  });
});

describe('newVersionedPod revision choice', () => {
  const base = makeSet();
  const cur = chooseRevisions(base, []).update;
  const upd = { ...cur, metadata: { ...cur.metadata, name: 'web-new' } };
  it.each([
    ['below partition ⇒ current', { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, 1, cur.metadata.name],
    ['at partition ⇒ update', { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, 2, 'web-new'],
    ['OnDelete ⇒ update', { type: 'OnDelete' }, 0, 'web-new'],
  ])('%s', (_n, updateStrategy, ordinal, want) => {
    const set = makeSet({ updateStrategy });
    expect(newVersionedPod(set, cur, upd, ordinal).metadata.labels?.['controller-revision-hash']).toBe(want);
  });
});
