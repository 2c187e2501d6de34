/**
 * @module The thin executor: performs `plan` actions against an Api, in order.
 * AlreadyExists on create and NotFound on delete count as done (another pass or a peer got
 * there first); any other failure stops the remaining pod work of the pass and is returned
 * so the work queue retries with backoff. The status is still written after a failure, as
 * upstream's performUpdate does, with re-read-and-retry on Conflict.
 */
import type { Logger } from '../log.ts';
import type { Action } from './actions.ts';
import { eventFor } from './events.ts';
import { isAlreadyExists, isConflict, isNotFound, paths, type Api } from './rest.ts';
import type { ControllerRevision, StatefulSet } from './types.ts';
import { revisionsEqual } from './revisions.ts';

export interface ExecuteResult {
  error?: Error;
  requeueAfterMs?: number;
}

export interface ExecContext {
  api: Api;
  set: StatefulSet;
  log: Logger;
  /** Record an event; failures to record are logged, never fatal. */
  record(type: string, reason: string, message: string): Promise<void>;
  /** Checked before each step: a replica that lost its lease stops at once. */
  acting?: () => boolean;
}

const STATUS_RETRIES = 5;

async function ignore(p: Promise<unknown>, ok: (err: unknown) => boolean): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!ok(err)) throw err;
  }
}

async function createRevision(ctx: ExecContext, ns: string, rev: ControllerRevision): Promise<void> {
  try {
    await ctx.api.create(paths.revisions(ns), rev);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    // Same name: fine if it holds the same template, a hash collision otherwise.
    const existing = await ctx.api.get<ControllerRevision>(paths.revision(ns, rev.metadata.name ?? ''));
    if (!revisionsEqual(existing, rev)) throw new Error(`controllerrevision ${rev.metadata.name} exists with other data (hash collision)`, { cause: err });
  }
}

async function writeStatus(ctx: ExecContext, ns: string, status: StatefulSet['status']): Promise<void> {
  const name = ctx.set.metadata.name ?? '';
  let latest = ctx.set;
  for (let attempt = 0; ; attempt++) {
    try {
      await ctx.api.replace(paths.setStatus(ns, name), { ...latest, status });
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= STATUS_RETRIES) throw err;
      latest = await ctx.api.get<StatefulSet>(paths.set(ns, name));
      if (latest.metadata.uid !== ctx.set.metadata.uid) return; // recreated: not ours to write
    }
  }
}

/** One action's API call(s). */
export async function perform(ctx: ExecContext, a: Action): Promise<void> {
  const ns = ctx.set.metadata.namespace ?? 'default';
  switch (a.kind) {
    case 'createRevision': return createRevision(ctx, ns, a.revision);
    case 'updateRevision':
      await ctx.api.mergePatch(paths.revision(ns, a.revision.metadata.name ?? ''), { revision: a.revision.revision });
      return;
    case 'deleteRevision': return ignore(ctx.api.remove(paths.revision(ns, a.name)), isNotFound);
    case 'createClaim': return ignore(ctx.api.create(paths.claims(ns), a.claim), isAlreadyExists);
    case 'createPod': return ignore(ctx.api.create(paths.pods(ns), a.object), isAlreadyExists);
    case 'updatePod':
      await ctx.api.replace(paths.pod(ns, a.pod), a.object);
      return;
    case 'deletePod':
      // The uid precondition makes sure we delete the pod we looked at, not a successor.
      return ignore(ctx.api.remove(paths.pod(ns, a.pod), { preconditions: { uid: a.uid } }), isNotFound);
    case 'updateClaimOwnerRefs':
      await ctx.api.mergePatch(paths.claim(ns, a.claim), { metadata: { uid: a.uid, ownerReferences: a.ownerReferences } });
      return;
    case 'updateStatus': return writeStatus(ctx, ns, a.status);
    case 'fail': throw new Error(a.message);
    default: return;
  }
}

async function performWithEvent(ctx: ExecContext, a: Action): Promise<void> {
  const setName = ctx.set.metadata.name ?? '';
  try {
    await perform(ctx, a);
  } catch (err) {
    const e = err as Error;
    const ev = isAlreadyExists(err) ? undefined : eventFor(a, setName, e);
    if (ev) await ctx.record(ev.type, ev.reason, ev.message);
    throw e;
  }
  const ev = eventFor(a, setName);
  if (ev) await ctx.record(ev.type, ev.reason, ev.message);
}

/** Run one batch: per-pod chains concurrently, each chain in order. */
async function runBatch(ctx: ExecContext, batch: Action[]): Promise<Error | undefined> {
  const chains = new Map<string, Action[]>();
  for (const a of batch) {
    const key = 'pod' in a && a.pod ? a.pod : '';
    chains.set(key, [...(chains.get(key) ?? []), a]);
  }
  const results = await Promise.allSettled([...chains.values()].map(async (chain) => {
    for (const a of chain) await performWithEvent(ctx, a);
  }));
  const failed = results.find((r) => r.status === 'rejected');
  return failed ? (failed.reason as Error) : undefined;
}

const ALWAYS = new Set<Action['kind']>(['updateStatus', 'deleteRevision', 'requeue']);

export async function execute(ctx: ExecContext, actions: readonly Action[]): Promise<ExecuteResult> {
  const result: ExecuteResult = {};
  let i = 0;
  while (i < actions.length) {
    const a = actions[i] as Action;
    if (a.kind === 'requeue') result.requeueAfterMs = Math.min(result.requeueAfterMs ?? Infinity, a.afterMs);
    const batchNo = 'batch' in a ? a.batch : undefined;
    let j = i + 1;
    if (batchNo !== undefined) while (j < actions.length && (actions[j] as { batch?: number }).batch === batchNo) j++;
    const group = actions.slice(i, j);
    i = j;
    if (a.kind === 'requeue') continue;
    if (ctx.acting && !ctx.acting()) return { ...result, error: result.error ?? new Error('not the leader') };
    if (result.error && !ALWAYS.has(a.kind)) continue;
    const err = await runBatch(ctx, group);
    if (err) {
      if (result.error) ctx.log.warn({ err }, 'status write after failed sync failed');
      else result.error = err;
      // A failed revision write means we do not know which revision pods should get.
      if (a.kind === 'createRevision' || a.kind === 'updateRevision') return result;
    }
  }
  return result;
}
