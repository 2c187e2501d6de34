/**
 * @module StatefulSet status: computed from scratch each sync over all claimed pods
 * (upstream updateStatus/computeReplicaStatus, completeRollingUpdate, inconsistentStatus).
 * Conditions are never written: upstream starts from an empty status and replaces it whole.
 */
import type { ControllerRevision, Pod, StatefulSet, StatefulSetStatus } from './types.ts';
import { STRATEGY } from './types.ts';
import {
  isCreated, isRunningAndAvailable, isRunningAndReady, isTerminating, podRevision, replicasOf, strategyType,
} from './pods.ts';

export interface ReplicaCounts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
}

/** Count created pods (phase set) — Terminating and condemned ones included, stubs excluded. */
export function countReplicas(
  pods: readonly Pod[], minReadySeconds: number, current: string, update: string, now: number,
): ReplicaCounts {
  const c: ReplicaCounts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const pod of pods) {
    if (!isCreated(pod)) continue;
    c.replicas++;
    if (isRunningAndReady(pod)) {
      c.readyReplicas++;
      if (isRunningAndAvailable(pod, minReadySeconds, now)) c.availableReplicas++;
    }
    if (isTerminating(pod)) continue;
    // Both counters can apply when current == update.
    if (podRevision(pod) === current) c.currentReplicas++;
    if (podRevision(pod) === update) c.updatedReplicas++;
  }
  return c;
}

export function computeStatus(
  set: StatefulSet, pods: readonly Pod[], current: ControllerRevision, update: ControllerRevision,
  collisionCount: number, now: number,
): StatefulSetStatus {
  const currentName = current.metadata.name ?? '';
  const updateName = update.metadata.name ?? '';
  return {
    observedGeneration: set.metadata.generation ?? 0,
    ...countReplicas(pods, set.spec.minReadySeconds ?? 0, currentName, updateName, now),
    currentRevision: currentName,
    updateRevision: updateName,
    collisionCount,
  };
}

/**
 * completeRollingUpdate: promote the update revision once every replica is updated and ready.
 * Upstream does not look at availableReplicas here (kubernetes#136831); we match it. Never
 * promoted under OnDelete.
 */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): StatefulSetStatus {
  const want = replicasOf(set);
  if (strategyType(set) === STRATEGY.rollingUpdate && status.updatedReplicas === want &&
      status.readyReplicas === want && status.replicas === want) {
    return { ...status, currentRevision: status.updateRevision, currentReplicas: status.updatedReplicas };
  }
  return status;
}

/** inconsistentStatus: a write is needed. collisionCount alone does not trigger one. */
export function inconsistentStatus(set: StatefulSet, status: StatefulSetStatus): boolean {
  const old = set.status;
  if (!old) return true;
  return (status.observedGeneration ?? 0) > (old.observedGeneration ?? 0) ||
    status.replicas !== old.replicas ||
    (status.currentReplicas ?? 0) !== (old.currentReplicas ?? 0) ||
    (status.readyReplicas ?? 0) !== (old.readyReplicas ?? 0) ||
    (status.updatedReplicas ?? 0) !== (old.updatedReplicas ?? 0) ||
    (status.availableReplicas ?? 0) !== (old.availableReplicas ?? 0) ||
    (status.currentRevision ?? '') !== (old.currentRevision ?? '') ||
    (status.updateRevision ?? '') !== (old.updateRevision ?? '');
}
