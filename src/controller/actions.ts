/**
 * @module The plain-data actions `plan` returns and the executor performs.
 * Pod-scoped actions carry `pod` (the pod name) so the executor can run one pod's actions in
 * order; actions sharing a `batch` number may run concurrently (Parallel pods, upstream
 * slowStartBatch), and a failure in one batch stops later batches.
 */
import type { ControllerRevision, OwnerReference, PersistentVolumeClaim, Pod, StatefulSetStatus } from './types.ts';

export type DeleteReason = 'failed' | 'condemned' | 'update';

export type Action =
  | { kind: 'createRevision'; revision: ControllerRevision }
  | { kind: 'updateRevision'; revision: ControllerRevision }
  | { kind: 'deleteRevision'; name: string }
  | { kind: 'createClaim'; claim: PersistentVolumeClaim; pod: string; batch?: number }
  | { kind: 'createPod'; pod: string; object: Pod; batch?: number }
  | { kind: 'updatePod'; pod: string; object: Pod; batch?: number }
  | { kind: 'deletePod'; pod: string; uid: string; reason: DeleteReason; batch?: number }
  | { kind: 'updateClaimOwnerRefs'; claim: string; uid: string; ownerReferences: OwnerReference[]; pod: string; batch?: number }
  | { kind: 'updateStatus'; status: StatefulSetStatus }
  | { kind: 'event'; type: 'Normal' | 'Warning'; reason: string; message: string }
  /** The sync cannot progress (e.g. a claim is being deleted): requeue with backoff. */
  | { kind: 'fail'; message: string; pod?: string; batch?: number }
  /** Come back after this delay even if nothing changes (minReadySeconds). */
  | { kind: 'requeue'; afterMs: number };

export type PodAction = Extract<Action, { pod: string }>;

/** Upstream MaxBatchSize for slowStartBatch. */
export const MAX_BATCH = 500;

/** slowStartBatch: item i falls in batch k where batches have sizes 1, 2, 4, … capped at 500. */
export function batchOf(index: number): number {
  let start = 0;
  let size = 1;
  let k = 0;
  while (index >= start + size) {
    start += size;
    size = Math.min(size * 2, MAX_BATCH);
    k++;
  }
  return k;
}
