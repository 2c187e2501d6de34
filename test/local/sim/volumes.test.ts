import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../../../src/local/sim/quantity.ts';
import { planVolumes, type VolumeOp } from '../../../src/local/sim/volume-plan.ts';
import { PROVISIONED_BY, matchVolume, provisionedVolume } from '../../../src/local/sim/volumes.ts';

interface PvOpts { size?: string; modes?: string[]; cls?: string; mode?: string; policy?: string; phase?: string; claim?: [string, string?]; labels?: Record<string, string>; path?: string }
function pv(name: string, o: PvOpts = {}): V1PersistentVolume {
  return {
    metadata: { name, ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      capacity: { storage: o.size ?? '1Mi' },
      accessModes: o.modes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: o.policy ?? 'Retain',
      ...(o.cls !== undefined ? { storageClassName: o.cls } : {}),
      ...(o.mode ? { volumeMode: o.mode } : {}),
      ...(o.claim ? { claimRef: { namespace: 'default', name: o.claim[0], ...(o.claim[1] ? { uid: o.claim[1] } : {}) } } : {}),
      ...(o.path ? { hostPath: { path: o.path } } : {}),
    },
    status: { phase: o.phase ?? 'Available' },
  };
}
interface ClaimOpts { size?: string; modes?: string[]; cls?: string; volumeName?: string; phase?: string; selector?: Record<string, string> }
function claim(name: string, o: ClaimOpts = {}): V1PersistentVolumeClaim {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      accessModes: o.modes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: o.size ?? '1Mi' } },
      ...(o.cls !== undefined ? { storageClassName: o.cls } : {}),
      ...(o.volumeName ? { volumeName: o.volumeName } : {}),
      ...(o.selector ? { selector: { matchLabels: o.selector } } : {}),
    },
    status: { phase: o.phase ?? 'Pending' },
  };
}

describe('parseQuantity', () => {
  it.each([
    ['1Mi', 2 ** 20], ['1Gi', 2 ** 30], ['500M', 5e8], ['1.5Gi', 1.5 * 2 ** 30], ['100m', 0.1], ['1e3', 1000], ['42', 42],
  ])('%s = %d', (q, n) => expect(parseQuantity(q)).toBe(n));
  it.each(['', 'Mi', '1 Mi', '1mi', 'x'])('rejects %j', (q) => expect(() => parseQuantity(q)).toThrow(/invalid quantity/));
});

describe('matchVolume', () => {
  it.each([
    { name: 'smallest fitting first', pvs: [pv('big', { size: '10Mi' }), pv('small', { size: '2Mi' }), pv('tiny', { size: '512Ki' })], c: claim('c', { size: '1Mi' }), want: 'small' },
    { name: 'ties by name', pvs: [pv('pv-b'), pv('pv-a'), pv('pv-c')], c: claim('c'), want: 'pv-a' },
    { name: 'access modes must be offered', pvs: [pv('rwo'), pv('rwx', { modes: ['ReadWriteMany', 'ReadWriteOnce'] })], c: claim('c', { modes: ['ReadWriteMany'] }), want: 'rwx' },
    { name: 'class must match', pvs: [pv('none'), pv('fast', { cls: 'fast' })], c: claim('c', { cls: 'fast' }), want: 'fast' },
    { name: 'unset class only matches classless', pvs: [pv('fast', { cls: 'fast' })], c: claim('c'), want: undefined },
    { name: 'volumeMode must match', pvs: [pv('fs'), pv('blk', { mode: 'Block' })], c: { ...claim('c'), spec: { ...claim('c').spec, volumeMode: 'Block' } }, want: 'blk' },
    { name: 'bound volumes are skipped', pvs: [pv('pv-a', { phase: 'Bound', claim: ['x', 'ux'] }), pv('pv-b')], c: claim('c'), want: 'pv-b' },
    { name: 'released volumes are skipped', pvs: [pv('pv-a', { phase: 'Released', claim: ['x', 'ux'] })], c: claim('c'), want: undefined },
    { name: 'a volume pre-bound to this claim wins', pvs: [pv('pv-a'), pv('pv-z', { size: '5Mi', claim: ['c'] })], c: claim('c'), want: 'pv-z' },
    { name: 'a volume pre-bound to another claim is skipped', pvs: [pv('pv-a', { claim: ['other'] })], c: claim('c'), want: undefined },
    { name: 'spec.volumeName picks exactly that volume', pvs: [pv('pv-a'), pv('pv-b', { size: '1Gi' })], c: claim('c', { volumeName: 'pv-b' }), want: 'pv-b' },
    { name: 'selector filters on labels', pvs: [pv('pv-a'), pv('pv-b', { labels: { tier: 'db' } })], c: claim('c', { selector: { tier: 'db' } }), want: 'pv-b' },
    { name: 'too small', pvs: [pv('pv-a')], c: claim('c', { size: '2Mi' }), want: undefined },
  ])('$name', ({ pvs, c, want }) => {
    expect(matchVolume(c, pvs)?.metadata?.name).toBe(want);
  });
});

/** Apply ops the way the API would; enough for convergence checks. */
function apply(pvs: V1PersistentVolume[], claims: V1PersistentVolumeClaim[], ops: VolumeOp[]): [V1PersistentVolume[], V1PersistentVolumeClaim[]] {
  const P = new Map(pvs.map((p) => [p.metadata!.name!, structuredClone(p)]));
  const C = new Map(claims.map((c) => [c.metadata!.name!, structuredClone(c)]));
  for (const op of ops) {
    if (op.op === 'pvClaimRef') P.get(op.pv)!.spec!.claimRef = op.claimRef ?? undefined;
    if (op.op === 'pvPhase') P.get(op.pv)!.status = { phase: op.phase };
    if (op.op === 'claimVolume') C.get(op.claim)!.spec!.volumeName = op.volumeName;
    if (op.op === 'claimStatus') C.get(op.claim)!.status = op.status;
    if (op.op === 'createPv') P.set(op.pv.metadata!.name!, { ...structuredClone(op.pv), status: { phase: 'Pending' } });
    if (op.op === 'deletePv') P.delete(op.pv);
  }
  return [[...P.values()], [...C.values()]];
}

function converge(pvs: V1PersistentVolume[], claims: V1PersistentVolumeClaim[]): [V1PersistentVolume[], V1PersistentVolumeClaim[]] {
  let state: [V1PersistentVolume[], V1PersistentVolumeClaim[]] = [pvs, claims];
  for (let i = 0; i < 5; i++) {
    const ops = planVolumes(state[0], state[1], '/data');
    if (ops.length === 0) return state;
    state = apply(state[0], state[1], ops);
  }
  throw new Error('did not converge');
}

describe('planVolumes', () => {
  it('binds the book claims to pv-a and pv-b and leaves pv-c Available', () => {
    const pvs = ['pv-a', 'pv-b', 'pv-c'].map((n) => pv(n, { policy: 'Recycle', phase: 'Pending' }));
    const [P, C] = converge(pvs, [claim('data-kubia-0'), claim('data-kubia-1')]);
    const phase = Object.fromEntries(P.map((p) => [p.metadata!.name, [p.status?.phase, p.spec?.claimRef?.name]]));
    expect(phase).toEqual({ 'pv-a': ['Bound', 'data-kubia-0'], 'pv-b': ['Bound', 'data-kubia-1'], 'pv-c': ['Available', undefined] });
    expect(C[0]).toMatchObject({ spec: { volumeName: 'pv-a' }, status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Mi' } } });
    expect(P[0]?.spec?.claimRef).toEqual({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data-kubia-0', uid: 'uid-data-kubia-0' });
  });

  it('provisions a local volume for a claim without a match', () => {
    const [P, C] = converge([], [claim('data', { size: '1Gi' })]);
    expect(P).toHaveLength(1);
    expect(P[0]).toMatchObject({
      metadata: { name: 'pvc-uid-data', annotations: { [PROVISIONED_BY]: 'ordinal.dev/local' } },
      spec: { persistentVolumeReclaimPolicy: 'Delete', hostPath: { path: '/data/pvc-uid-data' }, capacity: { storage: '1Gi' } },
      status: { phase: 'Bound' },
    });
    expect(C[0]).toMatchObject({ spec: { volumeName: 'pvc-uid-data' }, status: { phase: 'Bound' } });
  });

  it('does not provision for the explicit empty class', () => {
    expect(planVolumes([], [claim('c', { cls: '' })], '/data')).toEqual([]);
  });

  it.each([
    { policy: 'Retain', ops: [{ op: 'pvPhase', pv: 'v', phase: 'Released' }] },
    { policy: 'Delete', ops: [{ op: 'pvPhase', pv: 'v', phase: 'Released' }, { op: 'deletePv', pv: 'v', hostPath: '/data/v' }] },
    {
      policy: 'Recycle',
      ops: [{ op: 'scrub', pv: 'v', hostPath: '/data/v' }, { op: 'pvClaimRef', pv: 'v', claimRef: null }, { op: 'pvPhase', pv: 'v', phase: 'Available' }],
    },
  ])('claim deleted, policy $policy', ({ policy, ops }) => {
    const v = pv('v', { policy, phase: 'Bound', claim: ['gone', 'uid-gone'], path: '/data/v' });
    expect(planVolumes([v], [], '/data')).toEqual(ops);
  });

  it('Recycle scrubs the directory pods mounted: a hostPath outside the data dir is re-rooted under it', () => {
    const v = pv('v', { policy: 'Recycle', phase: 'Bound', claim: ['gone', 'uid-gone'], path: '/tmp/pv-a' });
    expect(planVolumes([v], [], '/data')).toContainEqual({ op: 'scrub', pv: 'v', hostPath: '/data/hostpath/tmp/pv-a' });
  });

  it('never hands out a host path outside the data dir for removal', () => {
    const v = pv('v', { policy: 'Delete', phase: 'Bound', claim: ['gone', 'uid-gone'], path: '/etc' });
    expect(planVolumes([v], [], '/data')).toContainEqual({ op: 'deletePv', pv: 'v' });
    const w = pv('w', { policy: 'Delete', phase: 'Bound', claim: ['gone', 'uid-gone'], path: '/data/../etc' });
    expect(planVolumes([w], [], '/data')).toContainEqual({ op: 'deletePv', pv: 'w' });
  });

  it('a Released Retain volume stays put; a recreated claim with the same name does not get it', () => {
    const v = pv('v', { phase: 'Released', claim: ['data', 'old-uid'] });
    const ops = planVolumes([v], [claim('data', { cls: '' })], '/data');
    expect(ops).toEqual([]);
  });

  it('is idempotent once bound', () => {
    const [P, C] = converge([pv('pv-a')], [claim('c')]);
    expect(planVolumes(P, C, '/data')).toEqual([]);
  });

  it('provisionedVolume keeps the claim class', () => {
    expect(provisionedVolume(claim('c', { cls: 'standard' }), '/d/').spec).toMatchObject({ storageClassName: 'standard', hostPath: { path: '/d/pvc-uid-c' } });
  });
});
