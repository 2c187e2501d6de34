/**
 * @module Deletion as the generic store does it (registry/generic/registry/store.go Delete,
 * rest.BeforeDelete, pod strategy CheckGracefulDelete):
 * - pods bound to a node and not finished get a grace period: deletionTimestamp = now + grace and
 *   the object stays until a delete with gracePeriodSeconds=0 (the kubelet); a later delete may
 *   only shorten the grace;
 * - finalizers block removal (deletionTimestamp = now, deletionGracePeriodSeconds = 0);
 * - propagationPolicy Orphan/Foreground add the `orphan`/`foregroundDeletion` finalizers that
 *   the garbage collector (gc.ts) acts on; Background leaves dependents to the collector.
 */
import { badRequest } from './errors.ts';
import { clone, rfc3339 } from './meta.ts';
import type { Registry, Target } from './registry.ts';
import type { KObject } from './store.ts';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface DeleteResult {
  /** The object as it stands after the call (with deletionTimestamp if still present). */
  obj: KObject;
  /** True when the object is gone from the store. */
  deleted: boolean;
}

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Grace period for pods (CheckGracefulDelete); every other kind deletes immediately. */
export function graceFor(t: Target, obj: KObject, requested: number | undefined): number {
  if (t.id !== 'pods') return 0;
  const o = obj as Any;
  let grace = requested ?? o.spec?.terminationGracePeriodSeconds ?? 30;
  if (!o.spec?.nodeName) grace = 0; // never scheduled: nothing to stop
  if (o.status?.phase === 'Succeeded' || o.status?.phase === 'Failed') grace = 0;
  if (grace < 0) grace = 1;
  return grace;
}

function policyOf(opts: DeleteOptions): string | undefined {
  if (opts.propagationPolicy !== undefined) {
    if (!['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
      throw badRequest(`propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`);
    }
    if (opts.orphanDependents !== undefined) throw badRequest('orphanDependents and propagationPolicy cannot both be set');
    return opts.propagationPolicy;
  }
  if (opts.orphanDependents === true) return 'Orphan';
  if (opts.orphanDependents === false) return 'Background';
  return undefined;
}

/** Finalizers after applying an explicit propagation policy (store.go shouldUpdateFinalizers). */
export function finalizersFor(current: readonly string[], policy: string | undefined): string[] {
  const rest = current.filter((f) => f !== FINALIZER_ORPHAN && f !== FINALIZER_FOREGROUND);
  if (policy === 'Orphan') return [...rest, FINALIZER_ORPHAN];
  if (policy === 'Foreground') return [...rest, FINALIZER_FOREGROUND];
  if (policy === 'Background') return rest;
  return [...current];
}

export function deleteObject(reg: Registry, t: Target, name: string, opts: DeleteOptions = {}): DeleteResult {
  const prev = reg.get(t, name);
  reg.checkDeletable(t, name);
  reg.checkPreconditions(t, name, prev, opts.preconditions?.resourceVersion, opts.preconditions?.uid);
  if (opts.gracePeriodSeconds !== undefined && !Number.isInteger(opts.gracePeriodSeconds)) throw badRequest('gracePeriodSeconds must be an integer');
  const policy = policyOf(opts);
  const grace = graceFor(t, prev, opts.gracePeriodSeconds);
  const now = reg.now();
  const next = clone(prev);
  const m = next.metadata;
  const finalizers = finalizersFor(m.finalizers ?? [], prev.metadata.deletionTimestamp ? undefined : policy);
  if (finalizers.length) m.finalizers = finalizers;
  else delete m.finalizers;

  if (prev.metadata.deletionTimestamp) {
    // Already terminating: only a shorter grace period is taken (rest.BeforeDelete).
    const deadline = now.getTime() + grace * 1000;
    if (grace < (prev.metadata.deletionGracePeriodSeconds ?? 0) || deadline < Date.parse(prev.metadata.deletionTimestamp)) {
      m.deletionGracePeriodSeconds = grace;
      m.deletionTimestamp = rfc3339(new Date(Math.min(deadline, Date.parse(prev.metadata.deletionTimestamp))));
    }
  } else {
    m.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
    m.deletionGracePeriodSeconds = grace;
    if (m.generation !== undefined && m.generation > 0) m.generation++;
  }
  const pending = (m.finalizers ?? []).length > 0 || (m.deletionGracePeriodSeconds ?? 0) > 0 || reg.namespaceBlocked(t, next);
  if (t.id === 'namespaces' && pending) (next as Any).status = { ...(next as Any).status, phase: 'Terminating' };
  if (opts.dryRun) return { obj: next, deleted: !pending };
  if (!pending) {
    // Pods delete gracefully even with grace 0: the API first writes the deletionTimestamp
    // (a MODIFIED event watchers see), then removes the object.
    // (commitUpdate removes an object whose grace is over and that has no finalizers left).
    if (t.id === 'pods' && !prev.metadata.deletionTimestamp) return { obj: reg.commitUpdate(t, prev, next), deleted: true };
    const gone = reg.store.remove(t.id, t.namespace, name)!;
    return { obj: gone, deleted: true };
  }
  const stored = reg.commitUpdate(t, prev, next);
  return { obj: stored, deleted: !reg.store.get(t.id, t.namespace, name) };
}
