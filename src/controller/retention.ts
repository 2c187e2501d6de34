/**
 * @module PVC retention policy as ownerReferences on claims (KEP-1847; upstream
 * isClaimOwnerUpToDate, updateClaimOwnerRefForSetAndPod, PodClaimIsStale).
 * The garbage collector does the deleting: a set ref makes claims die with the set
 * (whenDeleted: Delete); a pod ref on a condemned pod's claims makes them die with the pod
 * (whenScaled: Delete). The controller itself never deletes a claim.
 */
import type { OwnerReference, PersistentVolumeClaim, Pod, StatefulSet } from './types.ts';
import { RETENTION } from './types.ts';
import { getOrdinal, inOrdinalRange, setControllerRef } from './pods.ts';

export interface Retention { whenDeleted: string; whenScaled: string }

export function retentionOf(set: StatefulSet): Retention {
  const p = set.spec.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: p?.whenDeleted ?? RETENTION.retain, whenScaled: p?.whenScaled ?? RETENTION.retain };
}

interface Owner { kind: string; name: string; uid: string }

const setOwner = (set: StatefulSet): Owner => ({ kind: 'StatefulSet', name: set.metadata.name ?? '', uid: set.metadata.uid ?? '' });
const podOwner = (pod: Pod): Owner => ({ kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' });

const refs = (claim: PersistentVolumeClaim): OwnerReference[] => claim.metadata.ownerReferences ?? [];
const hasRef = (claim: PersistentVolumeClaim, o: Owner) => o.uid !== '' && refs(claim).some((r) => r.uid === o.uid);
/** A ref to an earlier object of the same kind and name (recreated set or pod): leave it alone. */
const hasStaleRef = (claim: PersistentVolumeClaim, o: Owner) =>
  refs(claim).some((r) => r.kind === o.kind && r.name === o.name && r.uid !== o.uid);

/** A controller ref that is neither our set nor the pod: someone else manages the claim. */
export function hasUnexpectedController(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  return refs(claim).some((r) => r.controller === true && r.uid !== set.metadata.uid && r.uid !== pod.metadata.uid);
}

/** The (setRef, podRef) pair the policy asks for on this pod's claims. */
function wanted(set: StatefulSet, pod: Pod): { set: boolean; pod: boolean } {
  const { whenDeleted, whenScaled } = retentionOf(set);
  const condemned = !inOrdinalRange(set, getOrdinal(pod));
  const del = RETENTION.delete;
  if (whenScaled === del && whenDeleted === del) return { set: !condemned, pod: condemned };
  if (whenScaled === del) return { set: false, pod: condemned };
  return { set: whenDeleted === del, pod: false };
}

/** isClaimOwnerUpToDate. */
export function claimOwnerUpToDate(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  if (hasStaleRef(claim, setOwner(set)) || hasStaleRef(claim, podOwner(pod))) return true;
  const hasSet = hasRef(claim, setOwner(set));
  const hasPod = hasRef(claim, podOwner(pod));
  if (hasUnexpectedController(claim, set, pod)) return !hasSet && !hasPod;
  const want = wanted(set, pod);
  return want.set === hasSet && want.pod === hasPod;
}

function podControllerRef(pod: Pod): OwnerReference {
  return { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** updateClaimOwnerRefForSetAndPod: the claim's ownerReferences after applying the policy. */
export function claimOwnerRefsFor(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): OwnerReference[] {
  const setUid = set.metadata.uid;
  const podUid = pod.metadata.uid;
  const others = refs(claim).filter((r) => r.uid !== setUid && (podUid === undefined || podUid === '' || r.uid !== podUid));
  if (hasUnexpectedController(claim, set, pod)) return others;
  const want = wanted(set, pod);
  const out = [...others];
  if (want.set) out.push(setControllerRef(set));
  if (want.pod && podUid) out.push(podControllerRef(pod));
  return out;
}

/** Refs a freshly created claim should carry (only the set ref can apply to a live pod). */
export function initialClaimOwnerRefs(set: StatefulSet, ordinal: number): OwnerReference[] {
  const probe: Pod = { metadata: { name: `${set.metadata.name}-${ordinal}` } };
  return wanted(set, probe).set ? [setControllerRef(set)] : [];
}

/**
 * PodClaimIsStale: with whenScaled=Delete, a claim still owned by an earlier pod of this
 * ordinal is about to be collected; creating the pod now would bind it to a dying claim.
 */
export function claimIsStale(claim: PersistentVolumeClaim, set: StatefulSet, podUid: string | undefined): boolean {
  if (retentionOf(set).whenScaled !== RETENTION.delete) return false;
  return refs(claim).some((r) => r.kind === 'Pod' && r.uid !== (podUid ?? ''));
}
