/**
 * @module The in-memory object store: objects per resource, one global monotonically increasing
 * resourceVersion (like etcd's revision), a bounded event history for watches, and an optional
 * write-ahead log. The store decides nothing about API semantics (defaulting, concurrency,
 * deletion): the registry layer does that and calls put/remove with finished objects.
 */
import { shareUnchanged } from './share.ts';
import type { Wal, WalRecord } from './wal.ts';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
  [k: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  rv: number;
  /** Resource id (`pods`, `statefulsets.apps`), see resources.ts resourceId. */
  resource: string;
  object: KObject;
  /** The object before this change (MODIFIED and DELETED), for selector transitions. */
  prev: KObject | undefined;
}

export interface StoreOptions {
  /** How many events the watch history keeps before the oldest are compacted away. */
  historyLimit?: number;
  wal?: Wal;
}

/**
 * ORDINAL_STORE_FREEZE=1 (the test suites set it) freezes every stored object, so that code that
 * mutates one, which would change old versions too now that versions share parts, throws
 * instead of corrupting the history quietly.
 */
const FREEZE = process.env['ORDINAL_STORE_FREEZE'] === '1';

function deepFreeze(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const c of Object.values(v)) deepFreeze(c);
}

function keyOf(ns: string | undefined, name: string): string {
  return ns ? `${ns}/${name}` : name;
}

export class Store {
  private rv = 0;
  private readonly objects = new Map<string, Map<string, KObject>>();
  /** Sorted keys per resource, dropped when a key comes or goes: a paged list sorts once, not per page. */
  private readonly sortedKeys = new Map<string, string[]>();
  /** The watch history is `history[head..]`, in resourceVersion order; dropped slots are cut in bulk. */
  private history: StoreEvent[] = [];
  private head = 0;
  /** Watches may start from any resourceVersion >= this; older ones are Expired (410). */
  private compactedRv = 0;
  private readonly historyLimit: number;
  private readonly subscribers = new Set<(ev: StoreEvent) => void>();
  private readonly wal: Wal | undefined;
  /** Open `batch` calls; while > 0, events wait in `pending` for the batch's one sync. */
  private batchDepth = 0;
  private pending: StoreEvent[] = [];
  /** Request writes waiting for the next group commit (`grouped`). */
  private queued: { fn: () => unknown; resolve: (v: unknown) => void; reject: (err: unknown) => void }[] = [];

  constructor(opts: StoreOptions = {}) {
    this.historyLimit = opts.historyLimit ?? 10_000;
    this.wal = opts.wal;
    if (this.wal) this.restore(this.wal.load());
  }

  private restore(records: { rv: number; items: WalRecord[] }): void {
    this.sortedKeys.clear();
    this.rv = records.rv;
    for (const rec of records.items) {
      this.rv = Math.max(this.rv, rec.v);
      if (rec.t === 'put' && rec.o) this.bucket(rec.r).set(rec.k, rec.o);
      else this.bucket(rec.r).delete(rec.k);
    }
    this.compactedRv = this.rv;
  }

  private bucket(resource: string): Map<string, KObject> {
    let b = this.objects.get(resource);
    if (!b) { b = new Map(); this.objects.set(resource, b); }
    return b;
  }

  /** The current resourceVersion of the whole store. */
  currentRv(): number { return this.rv; }

  oldestWatchableRv(): number { return this.compactedRv; }

  /** The stored object itself: callers must not mutate it (clone first). */
  get(resource: string, ns: string | undefined, name: string): KObject | undefined {
    return this.objects.get(resource)?.get(keyOf(ns, name));
  }

  /**
   * Stored objects of a resource, optionally one namespace, sorted by key (the list order upstream);
   * with `after`, only those whose key sorts after it (a continue token's start).
   */
  list(resource: string, ns?: string, after = ''): KObject[] {
    const b = this.objects.get(resource);
    if (!b) return [];
    let keys = this.sortedKeys.get(resource);
    if (!keys) this.sortedKeys.set(resource, (keys = [...b.keys()].sort()));
    let lo = 0;
    for (let hi = keys.length; lo < hi;) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! > after) hi = mid;
      else lo = mid + 1;
    }
    const out: KObject[] = [];
    for (let i = lo; i < keys.length; i++) {
      const k = keys[i]!;
      const o = b.get(k)!;
      if (ns === undefined || o.metadata.namespace === ns) out.push(o);
    }
    return out;
  }

  /** How many objects of a resource are stored (apiserver_storage_objects, metrics.ts). */
  count(resource: string): number {
    return this.objects.get(resource)?.size ?? 0;
  }

  /** Every resource id that has objects: used by namespace deletion and the garbage collector. */
  resources(): string[] {
    return [...this.objects.keys()];
  }

  /** Store a new or changed object; assigns and returns the new resourceVersion. */
  put(resource: string, obj: KObject): KObject {
    const key = keyOf(obj.metadata.namespace, obj.metadata.name!);
    const prev = this.bucket(resource).get(key);
    const rv = this.rv + 1;
    // Unchanged parts are the previous version's (share.ts): the history holds every version.
    const stored = shareUnchanged(prev, { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } } as KObject);
    if (FREEZE) deepFreeze(stored);
    this.wal?.append({ t: 'put', r: resource, k: key, o: stored, v: rv });
    this.rv = rv;
    this.bucket(resource).set(key, stored);
    if (!prev) this.sortedKeys.delete(resource);
    this.emit({ type: prev ? 'MODIFIED' : 'ADDED', rv, resource, object: stored, prev });
    return stored;
  }

  /** Remove an object; the DELETED event carries the deletion's resourceVersion, as etcd3 does. */
  remove(resource: string, ns: string | undefined, name: string): KObject | undefined {
    const key = keyOf(ns, name);
    const prev = this.bucket(resource).get(key);
    if (!prev) return undefined;
    const rv = this.rv + 1;
    this.wal?.append({ t: 'del', r: resource, k: key, v: rv });
    this.rv = rv;
    this.bucket(resource).delete(key);
    this.sortedKeys.delete(resource);
    const gone: KObject = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(rv) } };
    this.emit({ type: 'DELETED', rv, resource, object: gone, prev });
    return gone;
  }

  /**
   * Run `fn`, whose writes are applied at once but synced to the log together when it returns
   * (group commit): one fdatasync for the whole batch instead of one per write. Nothing leaves
   * the process in between: subscribers (watches) get the batch's events only after the sync,
   * and the caller answers its requests only after `batch` returned. Everything runs in one
   * synchronous stretch, so no reader can see a write that is not yet durable.
   */
  batch<T>(fn: () => T): T {
    this.batchDepth++;
    try {
      return fn();
    } finally {
      if (--this.batchDepth === 0) this.commit();
    }
  }

  /**
   * Run a request's write (`fn`, synchronous: read, check and write) in the next group commit:
   * writes that arrive in the same turn of the event loop share one `batch`, and so one
   * fdatasync. Resolves with `fn`'s result once it is durable (or rejects with what `fn`
   * threw). Without a log there is nothing to wait for, and `fn` runs at once.
   */
  grouped<T>(fn: () => T): Promise<T> {
    if (!this.wal) {
      try {
        return Promise.resolve(this.batch(fn));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (this.queued.length === 1) setImmediate(() => this.runQueued());
    });
  }

  private runQueued(): void {
    const writes = this.queued;
    this.queued = [];
    const results: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      this.batch(() => {
        for (const w of writes) {
          try {
            results.push({ ok: true, value: w.fn() });
          } catch (err) {
            results.push({ ok: false, err });
          }
        }
      });
    } catch (err) {
      // The sync failed: nothing of this batch may be acknowledged.
      for (const w of writes) w.reject(err);
      return;
    }
    writes.forEach((w, i) => {
      const r = results[i]!;
      if (r.ok) w.resolve(r.value);
      else w.reject(r.err);
    });
  }

  /** Sync the log, snapshot if due, then deliver the events written since the last commit. */
  private commit(): void {
    const events = this.pending;
    this.pending = [];
    try {
      this.wal?.sync();
    } catch (err) {
      this.rollBack();
      throw err;
    }
    if (this.wal?.wantsSnapshot()) {
      // The events are committed (their log records are synced); a snapshot that fails must not hide them from watchers.
      try { this.wal.snapshot(this.rv, this.dump()); } catch { /* retried later; the log is intact */ }
    }
    for (const ev of events) for (const fn of this.subscribers) fn(ev);
  }

  /**
   * A failed sync cut the log back to its last durable record and the batch is refused: memory
   * follows the log, so that no later read, list or watch shows a write its caller was told failed.
   */
  private rollBack(): void {
    const compacted = this.compactedRv;
    this.objects.clear();
    this.restore(this.wal!.load());
    this.history = this.history.slice(this.head).filter((e) => e.rv <= this.rv);
    this.head = 0;
    this.compactedRv = Math.min(compacted, this.rv);
  }

  private emit(ev: StoreEvent): void {
    this.history.push(ev);
    if (this.history.length - this.head > this.historyLimit) this.compactTo(this.history[this.history.length - this.historyLimit - 1]!.rv);
    this.pending.push(ev);
    if (this.batchDepth === 0) this.commit();
  }

  private dump(): WalRecord[] {
    const out: WalRecord[] = [];
    for (const [r, b] of this.objects) {
      for (const [k, o] of b) out.push({ t: 'put', r, k, o, v: Number(o.metadata.resourceVersion) });
    }
    return out;
  }

  /**
   * Events of one resource after `rv`, or 'expired' when the history no longer reaches back that
   * far (the watch then fails with 410 Gone, and clients relist).
   */
  eventsSince(resource: string, rv: number): StoreEvent[] | 'expired' {
    if (rv < this.compactedRv) return 'expired';
    const h = this.history;
    let lo = this.head;
    for (let hi = h.length; lo < hi;) {
      const mid = (lo + hi) >>> 1;
      if (h[mid]!.rv > rv) hi = mid;
      else lo = mid + 1;
    }
    const out: StoreEvent[] = [];
    for (let i = lo; i < h.length; i++) if (h[i]!.resource === resource) out.push(h[i]!);
    return out;
  }

  /**
   * Forget the events up to `rv` (at most the current one), as an etcd compaction does: a watch
   * from an older resourceVersion is then Expired. Dropping one event per write used to copy the
   * whole history each time; the slots are now cut once half of the array is dead.
   */
  compactTo(rv: number): void {
    rv = Math.min(rv, this.rv);
    if (rv <= this.compactedRv) return;
    const h = this.history;
    while (this.head < h.length && h[this.head]!.rv <= rv) this.head++;
    this.compactedRv = rv;
    if (this.head === h.length) { this.history = []; this.head = 0; }
    else if (this.head >= 1024 && this.head * 2 >= h.length) { this.history = h.slice(this.head); this.head = 0; }
  }

  /** Events kept for watches (for tests and metrics). */
  historySize(): number { return this.history.length - this.head; }

  /** Receive every committed event, synchronously, in resourceVersion order. */
  subscribe(fn: (ev: StoreEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => { this.subscribers.delete(fn); };
  }

  /** Test hook: forget the whole watch history, as an etcd compaction at the current revision. */
  compact(): void {
    this.compactTo(this.rv);
  }

  close(): void {
    this.subscribers.clear();
    this.wal?.close();
  }
}
