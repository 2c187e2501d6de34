/**
 * @module The orphan rule of the pod garbage collector (pkg/controller/podgc gcOrphaned):
 * pods bound to a Node that no longer exists are force-deleted once the node has been seen
 * missing for a quarantine period, so that deleting the Node object of a dead machine frees
 * its pods (the Kubernetes documentation's first way out of a stuck Terminating pod).
 */
import type { V1Pod } from '@kubernetes/client-node';

export interface OrphanResult {
  /** Pods to delete with grace 0 (and their UID as precondition). */
  remove: V1Pod[];
  /** Node name → when it was first seen missing; carry it to the next call. */
  missingSince: Map<string, number>;
}

export function orphanedPods(
  pods: readonly V1Pod[],
  nodeExists: (name: string) => boolean,
  missingSince: ReadonlyMap<string, number>,
  now: number,
  quarantineMs: number,
): OrphanResult {
  const next = new Map<string, number>();
  const remove: V1Pod[] = [];
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node || nodeExists(node)) continue;
    const since = next.get(node) ?? missingSince.get(node) ?? now;
    next.set(node, since);
    if (now - since >= quarantineMs) remove.push(pod);
  }
  return { remove, missingSince: next };
}
