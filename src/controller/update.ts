/**
 * @module Rolling update (upstream updateStatefulSetAfterInvariantEstablished, 1.35: the
 * MaxUnavailableStatefulSet gate is beta and on, minReadySeconds defines "available").
 */
import type { ControllerRevision, Pod } from './types.ts';
import type { Ctx } from './replica.ts';
import { isCreated, isTerminating, isUnavailable, podRevision, replicasOf } from './pods.ts';

/** Thrown for a maxUnavailable the API would have rejected. */
export class MaxUnavailableError extends Error {}

/**
 * getStatefulSetMaxUnavailable: an int, or a percentage of replicas rounded down; never below 1
 * (a small percentage would otherwise stall the update).
 */
export function maxUnavailableOf(value: number | string | undefined, replicas: number): number {
  if (value === undefined) return 1;
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else {
    const m = /^(\d+)%$/.exec(value);
    if (!m) throw new MaxUnavailableError(`invalid value for maxUnavailable: "${value}" is not an integer or a percentage`);
    n = Math.floor((Number(m[1]) * replicas) / 100);
  }
  if (!Number.isInteger(n) || n < 0) throw new MaxUnavailableError(`invalid value for maxUnavailable: ${String(value)}`);
  return Math.max(1, n);
}

/** The first unavailable pod: in-range slots ascending, then condemned ascending. */
export function firstUnavailable(ctx: Ctx, replicas: readonly Pod[], condemnedDesc: readonly Pod[]): Pod | undefined {
  const inRange = replicas.find((p) => isUnavailable(p, ctx.minReady, ctx.now));
  if (inRange) return inRange;
  for (let i = condemnedDesc.length - 1; i >= 0; i--) {
    const p = condemnedDesc[i] as Pod;
    if (isUnavailable(p, ctx.minReady, ctx.now)) return p;
  }
  return undefined;
}

/**
 * Delete outdated pods from the highest index down to the partition while fewer than
 * maxUnavailable replicas are unavailable. Returns how many deleted pods were at the current
 * revision (the caller lowers status.currentReplicas by that much, as upstream does).
 */
export function rollingUpdate(ctx: Ctx, replicas: readonly Pod[], current: ControllerRevision, update: ControllerRevision): number {
  const ru = ctx.set.spec.updateStrategy?.rollingUpdate;
  const partition = ru?.partition ?? 0;
  let maxUnavailable: number;
  try {
    maxUnavailable = maxUnavailableOf(ru?.maxUnavailable, replicasOf(ctx.set));
  } catch (err) {
    ctx.actions.push({ kind: 'fail', message: (err as Error).message });
    return 0;
  }
  const unavailable = replicas.filter((p) => isUnavailable(p, ctx.minReady, ctx.now)).length;
  if (unavailable >= maxUnavailable) return 0;
  let budget = maxUnavailable - unavailable;
  let fromCurrent = 0;
  for (let i = replicas.length - 1; i >= partition && budget > 0; i--) {
    const pod = replicas[i] as Pod;
    if (!isCreated(pod) || ctx.stubs.has(pod)) continue;
    if (podRevision(pod) === update.metadata.name || isTerminating(pod)) continue;
    ctx.actions.push({ kind: 'deletePod', pod: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '', reason: 'update' });
    budget--;
    if (podRevision(pod) === current.metadata.name) fromCurrent++;
  }
  return fromCurrent;
}
