import { describe, expect, it } from 'vitest';
import { claimIsStale, claimOwnerRefsFor, claimOwnerUpToDate } from '../../src/controller/retention.ts';
import { claimsForOrdinal } from '../../src/controller/pods.ts';
import { plan } from '../../src/controller/plan.ts';
import { newRevision } from '../../src/controller/revisions.ts';
import type { OwnerReference, PersistentVolumeClaim } from '../../src/controller/types.ts';
import { makePod, makeSet, NOW } from './fixtures.ts';

const policies = [
  ['Retain', 'Retain'], ['Delete', 'Retain'], ['Retain', 'Delete'], ['Delete', 'Delete'],
] as const;

// Expected (setRef, podRef) per policy [whenDeleted, whenScaled] for a live and a condemned pod (§1a.6).
const expected: Record<string, { live: [boolean, boolean]; condemned: [boolean, boolean] }> = {
  'Retain/Retain': { live: [false, false], condemned: [false, false] },
  'Delete/Retain': { live: [true, false], condemned: [true, false] },
  'Retain/Delete': { live: [false, false], condemned: [false, true] },
  'Delete/Delete': { live: [true, false], condemned: [false, true] },
};

describe('claim ownerRefs for the retention policy', () => {
  it.each(policies.flatMap(([d, s]) => [[d, s, 'live'], [d, s, 'condemned']] as const))(
    'whenDeleted=%s whenScaled=%s, %s pod', (whenDeleted, whenScaled, which) => {
      const set = makeSet({ replicas: 2, persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } });
      const ordinal = which === 'live' ? 1 : 2;
      const pod = makePod(set, ordinal);
      const claim = claimsForOrdinal(set, ordinal).get('www')!;
      const refs = claimOwnerRefsFor(claim, set, pod);
      const [wantSet, wantPod] = expected[`${whenDeleted}/${whenScaled}`]![which];
      expect(refs.some((r) => r.uid === set.metadata.uid)).toBe(wantSet);
      expect(refs.some((r) => r.uid === pod.metadata.uid)).toBe(wantPod);
      const fixed: PersistentVolumeClaim = { ...claim, metadata: { ...claim.metadata, ownerReferences: refs } };
      expect(claimOwnerUpToDate(fixed, set, pod)).toBe(true);
      expect(claimOwnerUpToDate(claim, set, pod)).toBe(!wantSet && !wantPod);
    });

  it('leaves a claim with a stale ref to an earlier set alone', () => {
    const set = makeSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
    const claim = claimsForOrdinal(set, 0).get('www')!;
    claim.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'old-uid' }];
    expect(claimOwnerUpToDate(claim, set, makePod(set, 0))).toBe(true);
  });

  it('removes our refs but adds none when another controller owns the claim', () => {
    const set = makeSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
    const pod = makePod(set, 0);
    const foreign: OwnerReference = { apiVersion: 'x/v1', kind: 'Other', name: 'o', uid: 'other', controller: true };
    const claim = claimsForOrdinal(set, 0).get('www')!;
    claim.metadata.ownerReferences = [foreign];
    expect(claimOwnerUpToDate(claim, set, pod)).toBe(true);
    claim.metadata.ownerReferences = [foreign, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-web' }];
    expect(claimOwnerUpToDate(claim, set, pod)).toBe(false);
    expect(claimOwnerRefsFor(claim, set, pod)).toEqual([foreign]);
  });

  it.each([
    ['Delete', [{ apiVersion: 'v1', kind: 'Pod', name: 'web-0', uid: 'gone' }], true],
    ['Retain', [{ apiVersion: 'v1', kind: 'Pod', name: 'web-0', uid: 'gone' }], false],
    ['Delete', [], false],
  ] as const)('PodClaimIsStale whenScaled=%s', (whenScaled, refs, want) => {
    const set = makeSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled } });
    const claim = claimsForOrdinal(set, 0).get('www')!;
    claim.metadata.ownerReferences = [...refs];
    expect(claimIsStale(claim, set, undefined)).toBe(want);
  });
});

describe('plan applies the retention policy', () => {
  it('adds the pod ref to a condemned pod\'s claim before deleting the pod', () => {
    const set = makeSet({ replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    const rev = newRevision(set, 1, 0);
    set.status = { replicas: 2, currentRevision: rev.metadata.name };
    const pods = [makePod(set, 0, 'ready', rev), makePod(set, 1, 'ready', rev)];
    const claims = [0, 1].map((o) => claimsForOrdinal(set, o).get('www')!);
    const kinds = plan(set, pods, claims, [rev], NOW).filter((a) => a.kind === 'updateClaimOwnerRefs' || a.kind === 'deletePod');
    expect(kinds.map((a) => a.kind)).toEqual(['updateClaimOwnerRefs', 'deletePod']);
    expect(kinds[0]).toMatchObject({ claim: 'www-web-1', ownerReferences: [{ kind: 'Pod', uid: pods[1]!.metadata.uid, controller: true }] });
  });

  it('waits for the garbage collector before recreating a pod on a stale claim', () => {
    const set = makeSet({ replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    const claim = claimsForOrdinal(set, 0).get('www')!;
    claim.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Pod', name: 'web-0', uid: 'old-pod', controller: true }];
    expect(plan(set, [], [claim], [], NOW).some((a) => a.kind === 'createPod')).toBe(false);
  });

  it('creates claims with the set ref when whenDeleted=Delete', () => {
    const set = makeSet({ replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
    const create = plan(set, [], [], [], NOW).find((a) => a.kind === 'createClaim');
    expect(create).toMatchObject({ claim: { metadata: { name: 'www-web-0', ownerReferences: [{ kind: 'StatefulSet', uid: 'uid-web', controller: true }] } } });
  });
});
