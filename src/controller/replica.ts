/**
 * @module Per-pod steps of the reconcile (upstream processReplica, processCondemned, the
 * condemned-claim fix, CreateStatefulPod's claim handling). Each step appends actions to the
 * context and returns true when it "blocks" (which stops the pass only in OrderedReady mode).
 */
import type { Action } from './actions.ts';
import type { PersistentVolumeClaim, Pod, StatefulSet } from './types.ts';
import {
  claimNamesForOrdinal, claimsForOrdinal, getOrdinal, identityMatches, isFailed, isPending, isRunningAndAvailable, isRunningAndReady,
  isSucceeded, isTerminating, storageMatches, withIdentity, withStorage,
} from './pods.ts';
import { claimIsStale, claimOwnerRefsFor, claimOwnerUpToDate, hasUnexpectedController, initialClaimOwnerRefs } from './retention.ts';

export interface Ctx {
  set: StatefulSet;
  now: number;
  actions: Action[];
  /** Placeholder pods for empty slots; everything else in the replica list exists in the API. */
  stubs: Set<Pod>;
  monotonic: boolean;
  nextBatch: number;
  claims: Map<string, PersistentVolumeClaim>;
  minReady: number;
}

const nameOf = (pod: Pod) => pod.metadata.name ?? '';

function push(ctx: Ctx, action: Action, batch: number | undefined): void {
  ctx.actions.push(batch === undefined ? action : ({ ...action, batch } as Action));
}

/**
 * createPersistentVolumeClaims: create the missing claims of a pod. A claim that exists but is
 * being deleted fails the pod ("pvc <name> is being deleted"); returns false in that case.
 */
function createMissingClaims(ctx: Ctx, pod: Pod, batch: number | undefined): boolean {
  let ok = true;
  const ordinal = getOrdinal(pod);
  const names = claimNamesForOrdinal(ctx.set, ordinal);
  // The common case, every claim there and live, builds no claim objects.
  if (names.every((n) => ctx.claims.has(n) && !ctx.claims.get(n)?.metadata.deletionTimestamp)) return true;
  for (const claim of claimsForOrdinal(ctx.set, ordinal).values()) {
    const name = claim.metadata.name ?? '';
    const existing = ctx.claims.get(name);
    if (existing?.metadata.deletionTimestamp) {
      push(ctx, { kind: 'fail', pod: nameOf(pod), message: `pvc ${name} is being deleted` }, batch);
      ok = false;
    } else if (!existing) {
      const refs = initialClaimOwnerRefs(ctx.set, getOrdinal(pod));
      const object = refs.length > 0 ? { ...claim, metadata: { ...claim.metadata, ownerReferences: refs } } : claim;
      push(ctx, { kind: 'createClaim', pod: nameOf(pod), claim: object }, batch);
    }
  }
  return ok;
}

/** UpdatePodClaimForRetentionPolicy: bring each existing claim's ownerRefs in line with the policy. */
function fixClaimRefs(ctx: Ctx, pod: Pod, batch: number | undefined): void {
  for (const name of claimNamesForOrdinal(ctx.set, getOrdinal(pod))) {
    const claim = ctx.claims.get(name);
    if (!claim || claimOwnerUpToDate(claim, ctx.set, pod)) continue;
    if (hasUnexpectedController(claim, ctx.set, pod)) {
      ctx.actions.push({
        kind: 'event', type: 'Warning', reason: 'ConflictingController',
        message: `PersistentVolumeClaim ${claim.metadata.name} has a conflicting OwnerReference that acts as a managing controller, the retention policy is ignored for this claim`,
      });
    }
    push(ctx, {
      kind: 'updateClaimOwnerRefs', pod: nameOf(pod), claim: claim.metadata.name ?? '', uid: claim.metadata.uid ?? '',
      ownerReferences: claimOwnerRefsFor(claim, ctx.set, pod),
    }, batch);
  }
}

function hasStaleClaim(ctx: Ctx, pod: Pod): boolean {
  for (const name of claimNamesForOrdinal(ctx.set, getOrdinal(pod))) {
    const claim = ctx.claims.get(name);
    if (claim && claimIsStale(claim, ctx.set, pod.metadata.uid)) return true;
  }
  return false;
}

function createPod(ctx: Ctx, pod: Pod, batch: number | undefined): boolean {
  // PodClaimIsStale: wait for the garbage collector to remove the previous pod's claim.
  if (hasStaleClaim(ctx, pod)) return true;
  if (!createMissingClaims(ctx, pod, batch)) return true;
  push(ctx, { kind: 'createPod', pod: nameOf(pod), object: pod }, batch);
  fixClaimRefs(ctx, pod, batch);
  return ctx.monotonic; // OrderedReady: one creation per pass
}

/** processReplica for one in-range slot. */
export function processReplica(ctx: Ctx, pod: Pod, batch: number | undefined): boolean {
  if (isFailed(pod) || isSucceeded(pod)) {
    // The replacement is created on a later pass, once this object is gone from the API.
    if (!isTerminating(pod)) {
      push(ctx, { kind: 'deletePod', pod: nameOf(pod), uid: pod.metadata.uid ?? '', reason: 'failed' }, batch);
    }
    return true;
  }
  if (ctx.stubs.has(pod)) return createPod(ctx, pod, batch);
  // A pod object without a phase is not ours to recreate (the name is taken); wait for it.
  if ((pod.status?.phase ?? '') === '') return ctx.monotonic;
  // A claim deleted under a pending pod is recreated so the pod can start.
  if (isPending(pod) && !createMissingClaims(ctx, pod, batch)) return true;
  if (ctx.monotonic && (isTerminating(pod) || !isRunningAndReady(pod) ||
      !isRunningAndAvailable(pod, ctx.minReady, ctx.now))) return true;
  fixClaimRefs(ctx, pod, batch);
  const idOk = identityMatches(ctx.set, pod);
  const storageOk = storageMatches(ctx.set, pod);
  if (!storageOk) createMissingClaims(ctx, pod, batch);
  if (!idOk || !storageOk) {
    let fixed = idOk ? pod : withIdentity(ctx.set, pod);
    if (!storageOk) fixed = { ...fixed, spec: { ...fixed.spec, volumes: withStorage(ctx.set, fixed) } };
    push(ctx, { kind: 'updatePod', pod: nameOf(pod), object: fixed }, batch);
  }
  return false;
}

/** fixPodClaim: before a condemned pod is deleted, its claims get the refs whenScaled asks for. */
export function fixCondemnedClaims(ctx: Ctx, pod: Pod, batch: number | undefined): boolean {
  fixClaimRefs(ctx, pod, batch);
  return false;
}

/** processCondemned: scale-down, highest ordinal first; OrderedReady waits for each to be gone. */
export function processCondemned(ctx: Ctx, pod: Pod, firstUnhealthy: Pod | undefined, batch: number | undefined): boolean {
  if (isTerminating(pod)) return ctx.monotonic;
  if (ctx.monotonic && pod !== firstUnhealthy &&
      (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, ctx.minReady, ctx.now))) return true;
  push(ctx, { kind: 'deletePod', pod: nameOf(pod), uid: pod.metadata.uid ?? '', reason: 'condemned' }, batch);
  return ctx.monotonic;
}

