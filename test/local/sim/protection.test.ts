import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { PVC_PROTECTION, PV_PROTECTION, claimsInUse, planProtection } from '../../../src/local/sim/protection.ts';

const deleting = new Date('2026-01-01T00:00:00Z');
const claim = (name: string, o: { deleting?: boolean; finalizers?: string[] } = {}): V1PersistentVolumeClaim => ({
  metadata: { name, namespace: 'ns', finalizers: o.finalizers ?? [PVC_PROTECTION], ...(o.deleting ? { deletionTimestamp: deleting } : {}) },
});
const pod = (claimName: string, phase = 'Running', namespace = 'ns'): V1Pod => ({
  metadata: { name: `p-${claimName}`, namespace },
  spec: { containers: [], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
  status: { phase },
});
const pv = (name: string, phase: string, deletingPv = true): V1PersistentVolume => ({
  metadata: { name, finalizers: [PV_PROTECTION], ...(deletingPv ? { deletionTimestamp: deleting } : {}) },
  status: { phase },
});

describe('storage protection', () => {
  it('claimsInUse ignores finished pods', () => {
    expect([...claimsInUse([pod('a'), pod('b', 'Succeeded'), pod('c', 'Failed'), pod('d', 'Pending')])]).toEqual(['ns/a', 'ns/d']);
  });

  it.each([
    { name: 'unused deleting claim loses its finalizer', claims: [claim('a', { deleting: true })], pods: [], want: ['pvc ns/a'] },
    { name: 'a running pod keeps it', claims: [claim('a', { deleting: true })], pods: [pod('a')], want: [] },
    { name: 'a pod in another namespace does not', claims: [claim('a', { deleting: true })], pods: [pod('a', 'Running', 'other')], want: ['pvc ns/a'] },
    { name: 'a live claim is left alone', claims: [claim('a')], pods: [], want: [] },
    { name: 'a deleting claim without the finalizer needs nothing', claims: [claim('a', { deleting: true, finalizers: ['x'] })], pods: [], want: [] },
  ])('$name', ({ claims, pods, want }) => {
    expect(planProtection([], claims, pods).map((o) => `${o.kind} ${o.namespace}/${o.name}`)).toEqual(want);
  });

  it.each([
    { phase: 'Released', deletingPv: true, want: ['pv /v'] },
    { phase: 'Available', deletingPv: true, want: ['pv /v'] },
    { phase: 'Bound', deletingPv: true, want: [] },
    { phase: 'Released', deletingPv: false, want: [] },
  ])('volume $phase (deleting: $deletingPv)', ({ phase, deletingPv, want }) => {
    expect(planProtection([pv('v', phase, deletingPv)], [], []).map((o) => `${o.kind} ${o.namespace}/${o.name}`)).toEqual(want);
  });
});
