/**
 * @module The PV binder's pure plan: given every PersistentVolume and claim, the ordered writes
 * that converge them (bind, provision, reclaim). Level-triggered: running the plan on the
 * resulting state yields no ops. Writes for one binding go volume first (claimRef, then phase),
 * then claim, as pv_controller.go bind() does, so a crash in between is repaired next pass.
 */
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { planProtection, type DropFinalizer } from './protection.ts';
import { matchVolume, provisionedVolume, reclaimAction, volumeDir, wantsProvisioning } from './volumes.ts';

export interface ClaimRefOut {
  apiVersion: 'v1';
  kind: 'PersistentVolumeClaim';
  namespace: string;
  name: string;
  uid: string;
}

export type VolumeOp =
  | { op: 'pvClaimRef'; pv: string; claimRef: ClaimRefOut | null }
  | { op: 'pvPhase'; pv: string; phase: 'Available' | 'Bound' | 'Released' }
  | { op: 'claimVolume'; namespace: string; claim: string; volumeName: string }
  | { op: 'claimStatus'; namespace: string; claim: string; status: Record<string, unknown> }
  | { op: 'createPv'; pv: V1PersistentVolume }
  | { op: 'deletePv'; pv: string; hostPath?: string }
  | { op: 'scrub'; pv: string; hostPath?: string }
  | DropFinalizer;

const key = (ns: string | undefined, name: string | undefined): string => `${ns ?? ''}/${name ?? ''}`;

function refTo(claim: V1PersistentVolumeClaim): ClaimRefOut {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata?.namespace ?? '', name: claim.metadata?.name ?? '', uid: claim.metadata?.uid ?? '' };
}

function claimBoundStatus(pv: V1PersistentVolume): Record<string, unknown> {
  return { phase: 'Bound', accessModes: pv.spec?.accessModes ?? [], capacity: pv.spec?.capacity ?? {} };
}

/** Ops that finish a binding whose volume side (claimRef with uid) is already written. */
function completeBinding(pv: V1PersistentVolume, claim: V1PersistentVolumeClaim, ops: VolumeOp[]): void {
  const name = pv.metadata?.name ?? '';
  const ns = claim.metadata?.namespace ?? '';
  const cname = claim.metadata?.name ?? '';
  if (pv.status?.phase !== 'Bound') ops.push({ op: 'pvPhase', pv: name, phase: 'Bound' });
  if (claim.spec?.volumeName !== name) ops.push({ op: 'claimVolume', namespace: ns, claim: cname, volumeName: name });
  if (claim.status?.phase !== 'Bound') ops.push({ op: 'claimStatus', namespace: ns, claim: cname, status: claimBoundStatus(pv) });
}

/** Only data under our own data dir is ever scrubbed or removed; anything else is the user's. */
function hostPathOf(pv: V1PersistentVolume, dataDir: string): string | undefined {
  const path = pv.spec?.hostPath?.path;
  const root = dataDir.replace(/\/+$/, '') + '/';
  return path && path.startsWith(root) && !path.slice(root.length).includes('..') ? path : undefined;
}

function reclaim(pv: V1PersistentVolume, dataDir: string, ops: VolumeOp[]): void {
  const name = pv.metadata?.name ?? '';
  const hostPath = hostPathOf(pv, dataDir);
  switch (reclaimAction(pv)) {
    case 'release':
      ops.push({ op: 'pvPhase', pv: name, phase: 'Released' });
      break;
    case 'delete':
      // Released first, as the PV controller does: pv-protection then lets the delete finish.
      if (pv.status?.phase !== 'Released') ops.push({ op: 'pvPhase', pv: name, phase: 'Released' });
      ops.push(hostPath ? { op: 'deletePv', pv: name, hostPath } : { op: 'deletePv', pv: name });
      break;
    case 'recycle':
      // The recycler scrubs the data (rm -rf of the volume's content), then the volume is free.
      // The directory is the one pods mounted (volumeDir), which is always under the data dir.
      ops.push({ op: 'scrub', pv: name, hostPath: volumeDir(pv, dataDir) });
      ops.push({ op: 'pvClaimRef', pv: name, claimRef: null });
      ops.push({ op: 'pvPhase', pv: name, phase: 'Available' });
      break;
    case 'none':
      break;
  }
}

type VolumeState = 'unclaimed' | 'fresh' | 'claimGone' | 'bound';

/** Where a volume stands relative to its claimRef (a claimRef without uid is a pre-binding). */
function volumeState(pv: V1PersistentVolume, claim: V1PersistentVolumeClaim | undefined): VolumeState {
  const uid = pv.spec?.claimRef?.uid;
  if (uid) return claim?.metadata?.uid === uid ? 'bound' : 'claimGone';
  const phase = pv.status?.phase ?? 'Pending';
  return phase === 'Pending' ? 'fresh' : 'unclaimed';
}

/** Volume side: bound volumes whose claim vanished are reclaimed; fresh ones become Available. */
function planVolumeSide(
  pvs: readonly V1PersistentVolume[],
  claims: ReadonlyMap<string, V1PersistentVolumeClaim>,
  dataDir: string,
  ops: VolumeOp[],
): Set<string> {
  const holding = new Set<string>(); // claims (ns/name) already served by some volume
  for (const pv of pvs) {
    if (pv.metadata?.deletionTimestamp) continue;
    const ref = pv.spec?.claimRef ?? {};
    const refKey = key(ref.namespace, ref.name);
    const claim = ref.name ? claims.get(refKey) : undefined;
    const state = volumeState(pv, claim);
    if (state === 'claimGone') reclaim(pv, dataDir, ops);
    if (state === 'fresh') ops.push({ op: 'pvPhase', pv: pv.metadata?.name ?? '', phase: 'Available' });
    if (state !== 'bound' || !claim) continue;
    holding.add(refKey);
    if (!claim.metadata?.deletionTimestamp) completeBinding(pv, claim, ops);
  }
  return holding;
}

/**
 * The whole plan. `dataDir` is where provisioned hostPath volumes live; `pods` tell which
 * claims are still in use (storage protection).
 */
export function planVolumes(
  pvs: readonly V1PersistentVolume[],
  claims: readonly V1PersistentVolumeClaim[],
  dataDir: string,
  pods: readonly V1Pod[] = [],
): VolumeOp[] {
  const ops: VolumeOp[] = [...planProtection(pvs, claims, pods)];
  const byKey = new Map(claims.map((c) => [key(c.metadata?.namespace, c.metadata?.name), c]));
  const holding = planVolumeSide(pvs, byKey, dataDir, ops);
  const taken = new Set<string>();
  const sorted = [...claims].sort((a, b) => key(a.metadata?.namespace, a.metadata?.name).localeCompare(key(b.metadata?.namespace, b.metadata?.name)));
  for (const claim of sorted) {
    if (claim.metadata?.deletionTimestamp || holding.has(key(claim.metadata?.namespace, claim.metadata?.name))) continue;
    const free = pvs.filter((pv) => !taken.has(pv.metadata?.name ?? ''));
    const pv = matchVolume(claim, free);
    if (pv) {
      const name = pv.metadata?.name ?? '';
      taken.add(name);
      ops.push({ op: 'pvClaimRef', pv: name, claimRef: refTo(claim) });
      completeBinding(pv, claim, ops);
    } else if (wantsProvisioning(claim)) {
      ops.push({ op: 'createPv', pv: provisionedVolume(claim, dataDir) });
    }
  }
  return ops;
}
