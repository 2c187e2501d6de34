/**
 * @module ControllerRefManager semantics (upstream BaseControllerRefManager.ClaimObject):
 * which of the candidate objects the set owns, must adopt, or must release.
 */
import type { ObjectMeta, OwnerReference, Pod, StatefulSet } from './types.ts';
import { isMemberOf, setControllerRef } from './pods.ts';
import { selectorMatches } from './selector.ts';

interface HasMeta { metadata: ObjectMeta }

export interface ClaimResult<T> {
  /** Ours and matching: the objects the reconcile works on (adopted ones included). */
  owned: T[];
  adopt: T[];
  release: T[];
}

export function controllerOf(obj: HasMeta): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/**
 * - controlled by someone else ⇒ ignored;
 * - controlled by us and matching ⇒ owned; not matching ⇒ released (not while the set is being deleted);
 * - orphan, matching, neither it nor the set being deleted ⇒ adopted.
 */
export function claimObjects<T extends HasMeta>(set: StatefulSet, objs: readonly T[], matches: (o: T) => boolean): ClaimResult<T> {
  const out: ClaimResult<T> = { owned: [], adopt: [], release: [] };
  const setDeleting = Boolean(set.metadata.deletionTimestamp);
  for (const obj of objs) {
    const ref = controllerOf(obj);
    if (ref) {
      if (ref.uid !== set.metadata.uid) continue;
      if (matches(obj)) out.owned.push(obj);
      else if (!setDeleting) out.release.push(obj);
      continue;
    }
    if (setDeleting || obj.metadata.deletionTimestamp || !matches(obj)) continue;
    out.adopt.push(obj);
    out.owned.push(obj);
  }
  return out;
}

/** getPodsForStatefulSet: selector and name parent must both match. */
export function claimPods(set: StatefulSet, pods: readonly Pod[]): ClaimResult<Pod> {
  return claimObjects(set, pods.filter((p) => p.metadata.namespace === set.metadata.namespace),
    (p) => selectorMatches(set.spec.selector, p.metadata.labels) && isMemberOf(set, p));
}

/** adoptOrphanRevisions / ListRevisions: revisions are matched by selector only. */
export function claimRevisions<T extends HasMeta>(set: StatefulSet, revisions: readonly T[]): ClaimResult<T> {
  return claimObjects(set, revisions.filter((r) => r.metadata.namespace === set.metadata.namespace),
    (r) => selectorMatches(set.spec.selector, r.metadata.labels));
}

/** The ownerReferences after adopting `obj`. */
export function adoptedRefs(set: StatefulSet, obj: HasMeta): OwnerReference[] {
  return [...(obj.metadata.ownerReferences ?? []), setControllerRef(set)];
}

/** The ownerReferences after releasing `obj`. */
export function releasedRefs(set: StatefulSet, obj: HasMeta): OwnerReference[] {
  return (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== set.metadata.uid);
}
