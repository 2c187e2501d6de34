/**
 * @module How DNS worker threads get the zone without watching the API themselves: one set of
 * watches per process, on the main thread, and the zone's inputs sent to every worker as deltas.
 *
 * Deltas, not snapshots: a snapshot is a tree of maps of encoded records that cannot be
 * shared between isolates as it is, so sending one means cloning O(zone) per change and per
 * worker. The slim records (zone/records.ts) that changed are O(change): each worker applies
 * them to its own ClusterModel, which rebuilds only the services they touch, exactly as the
 * main thread's does. A (re)started worker is seeded with every current record first.
 */
import { ClusterModel } from '../zone/model.ts';
import { toSlim } from '../zone/project.ts';
import type { SlimKind, SlimRecord } from '../zone/records.ts';

export type ZoneOp = { op: 'apply'; r: SlimRecord } | { op: 'remove'; r: SlimRecord } | { op: 'synced' };
/**
 * `fresh`: after a stop of the process, the zone is fresh again as of this Date.now() (the
 * watcher's onFresh); a worker holding its answers since the stop ends the hold (dns/freshness.ts).
 */
export interface ZoneMessage { readonly type: 'zone'; readonly ops: readonly ZoneOp[]; readonly fresh?: number }
export interface Port { postMessage(m: unknown): void }

const keyOf = (r: SlimRecord): string => (r.kind === 'Namespace' ? `Namespace/${r.name}` : `${r.kind}/${r.ns}/${r.name}`);

/** The main thread's side: the current records, and the deltas not yet sent. */
export class ZoneFeed {
  readonly #records = new Map<string, SlimRecord>();
  readonly #ports = new Set<Port>();
  #pending: ZoneOp[] = [];
  #synced = false;

  apply(r: SlimRecord): void {
    this.#records.set(keyOf(r), r);
    this.#pending.push({ op: 'apply', r });
  }

  remove(r: SlimRecord): void {
    if (this.#records.delete(keyOf(r))) this.#pending.push({ op: 'remove', r });
  }

  markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    this.#pending.push({ op: 'synced' });
  }

  /** Everything a new worker needs: every record, then `synced` if the initial lists are in. */
  seed(): ZoneMessage {
    const ops: ZoneOp[] = Array.from(this.#records.values(), (r) => ({ op: 'apply', r }) as const);
    if (this.#synced) ops.push({ op: 'synced' });
    return { type: 'zone', ops };
  }

  /** Seed `port`, then send it every later delta (postMessage keeps the order). */
  attach(port: Port): void {
    port.postMessage(this.seed());
    this.#ports.add(port);
  }

  detach(port: Port): void {
    this.#ports.delete(port);
  }

  /** Send the deltas gathered since the last flush (one message per worker per snapshot). */
  flush(): void {
    if (this.#pending.length === 0) return;
    const msg: ZoneMessage = { type: 'zone', ops: this.#pending };
    this.#pending = [];
    for (const p of this.#ports) p.postMessage(msg);
  }

  /** Tell every worker the zone is fresh as of `since`, after the deltas that made it so. */
  sendFresh(since: number): void {
    this.flush();
    const msg: ZoneMessage = { type: 'zone', ops: [], fresh: since };
    for (const p of this.#ports) p.postMessage(msg);
  }
}

/**
 * The main thread's ClusterModel that also feeds the workers: every change goes to the feed,
 * and each snapshot the watcher publishes sends the deltas behind it first, so a worker's zone
 * is one postMessage behind the watch event, not behind the main thread's own rebuild.
 */
export class FeedingModel extends ClusterModel {
  readonly feed = new ZoneFeed();

  override apply(obj: unknown, kind?: SlimKind): void {
    super.apply(obj, kind);
    this.feed.apply(toSlim(obj, kind));
  }

  override remove(obj: unknown, kind?: SlimKind): void {
    super.remove(obj, kind);
    this.feed.remove(toSlim(obj, kind));
  }

  override markSynced(): void {
    super.markSynced();
    this.feed.markSynced();
  }

  override snapshot(): ReturnType<ClusterModel['snapshot']> {
    // The workers first: they build their snapshots while this thread builds its own.
    this.feed.flush();
    return super.snapshot();
  }
}

export function isZoneMessage(m: unknown): m is ZoneMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'zone' && Array.isArray((m as { ops?: unknown }).ops);
}

/**
 * The worker's side: apply one message to its model. The main thread's model took these
 * records already, so a failure here is a bug; it skips that record rather than looping a
 * worker through crash and reseed.
 */
export function applyZoneMessage(model: ClusterModel, msg: ZoneMessage, onError: (err: unknown) => void): void {
  for (const o of msg.ops) {
    try {
      if (o.op === 'apply') model.apply(o.r);
      else if (o.op === 'remove') model.remove(o.r);
      else model.markSynced();
    } catch (err) {
      onError(err);
    }
  }
}
