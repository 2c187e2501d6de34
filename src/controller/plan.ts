/**
 * @module The pure reconcile: `plan(set, pods, claims, revisions, now) → Action[]`.
 * One pass of upstream `UpdateStatefulSet` (stateful_set_control.go, 1.35 semantics with
 * MaxUnavailableStatefulSet on and minReadySeconds gating availability), step by step:
 * revisions → status → per-replica processing → claim refs of condemned pods → scale-down →
 * rolling update. Pods must already be the set's own (see adoption.ts).
 *
 * At most one pod per identity: a pod is only ever planned for an ordinal with no object of
 * that name in `pods`, terminating or not, and nothing here force-deletes.
 */
import type { Action } from './actions.ts';
import { batchOf } from './actions.ts';
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from './types.ts';
import { STRATEGY } from './types.ts';
import {
  allowsBurst, availableAt, endOrdinal, getOrdinal, isCreated, isPodAvailable, isPodReady,
  newVersionedPod, replicasOf, startOrdinal, strategyType,
} from './pods.ts';
import { chooseRevisions, revisionsToPrune } from './revisions.ts';
import { completeRollingUpdate, computeStatus, inconsistentStatus } from './status.ts';
import { processCondemned, processReplica, type Ctx, fixCondemnedClaims } from './replica.ts';
import { firstUnavailable, rollingUpdate } from './update.ts';

/** Slot the pods: in-range by index, condemned descending; names without an ordinal are ignored. */
export function partition(set: StatefulSet, pods: readonly Pod[]): { replicas: (Pod | undefined)[]; condemned: Pod[] } {
  const start = startOrdinal(set);
  const replicas: (Pod | undefined)[] = new Array<Pod | undefined>(replicasOf(set)).fill(undefined);
  const condemned: Pod[] = [];
  for (const pod of pods) {
    const ord = getOrdinal(pod);
    if (ord < 0) continue;
    if (ord >= start && ord < endOrdinal(set)) replicas[ord - start] = pod;
    else condemned.push(pod);
  }
  condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));
  return { replicas, condemned };
}

/** Runs `fn` over items: monotonic stops at the first block; burst tags slowStartBatch batches. */
function runForAll(ctx: Ctx, count: number, fn: (i: number, batch: number | undefined) => boolean): boolean {
  const base = ctx.nextBatch;
  let last = base;
  for (let i = 0; i < count; i++) {
    const batch = ctx.monotonic ? undefined : base + batchOf(i);
    if (batch !== undefined) last = batch;
    if (fn(i, batch) && ctx.monotonic) return true;
  }
  ctx.nextBatch = last + 1;
  return false;
}

/** When to look again for pods that are Ready but not yet Available (minReadySeconds). */
function requeueAfter(set: StatefulSet, pods: readonly Pod[], available: number, now: number): number | undefined {
  const minReady = set.spec.minReadySeconds ?? 0;
  if (minReady <= 0 || available === replicasOf(set)) return undefined;
  let soonest: number | undefined;
  for (const pod of pods) {
    if (!isPodReady(pod) || isPodAvailable(pod, minReady, now)) continue;
    const at = availableAt(pod, minReady);
    if (at !== undefined && (soonest === undefined || at < soonest)) soonest = at;
  }
  // +1 s like upstream's updatePod requeue, so the pod is past the threshold when we look.
  return soonest === undefined ? minReady * 1000 : Math.max(0, soonest - now) + 1000;
}

export function plan(
  set: StatefulSet, pods: readonly Pod[], claims: readonly PersistentVolumeClaim[],
  revisions: readonly ControllerRevision[], now: number,
): Action[] {
  const actions: Action[] = [];
  const choice = chooseRevisions(set, revisions);
  if (choice.write) actions.push(choice.write);
  const { current, update } = choice;
  const status = computeStatus(set, pods, current, update, choice.collisionCount, now);

  const { replicas: slots, condemned } = partition(set, pods);
  const start = startOrdinal(set);
  const stubs = new Set<Pod>();
  const replicas = slots.map((p, i) => {
    if (p) return p;
    const stub = newVersionedPod(set, current, update, start + i);
    stubs.add(stub);
    return stub;
  });
  const ctx: Ctx = {
    set, now, actions, stubs, monotonic: !allowsBurst(set), nextBatch: 0,
    claims: new Map(claims.map((c) => [c.metadata.name ?? '', c])),
    minReady: set.spec.minReadySeconds ?? 0,
  };
  const firstUnhealthy = firstUnavailable(ctx, replicas, condemned);

  const run = (): void => {
    if (set.metadata.deletionTimestamp) return; // a set being deleted only gets its status updated
    if (runForAll(ctx, replicas.length, (i, b) => processReplica(ctx, replicas[i] as Pod, b))) return;
    if (runForAll(ctx, condemned.length, (i, b) => fixCondemnedClaims(ctx, condemned[i] as Pod, b))) return;
    if (runForAll(ctx, condemned.length, (i, b) => processCondemned(ctx, condemned[i] as Pod, firstUnhealthy, b))) return;
    if (strategyType(set) === STRATEGY.onDelete) return;
    status.currentReplicas = (status.currentReplicas ?? 0) - rollingUpdate(ctx, replicas, current, update);
  };
  run();

  const final = completeRollingUpdate(set, status);
  if (inconsistentStatus(set, final)) actions.push({ kind: 'updateStatus', status: final });
  for (const r of revisionsToPrune(set, pods, revisions, current, update)) {
    actions.push({ kind: 'deleteRevision', name: r.metadata.name ?? '' });
  }
  const after = requeueAfter(set, pods.filter(isCreated), final.availableReplicas ?? 0, now);
  if (after !== undefined) actions.push({ kind: 'requeue', afterMs: after });
  return actions;
}

