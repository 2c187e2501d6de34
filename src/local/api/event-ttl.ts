/**
 * @module Events expire, as kube-apiserver's do (`--event-ttl`, default 1h): it writes each
 * Event to etcd under a lease of that TTL, renewed by every write, and etcd deletes the key when
 * the lease runs out, which watchers see as DELETED. Without this, `ordinal local` kept every
 * Event it ever recorded (several per pod started), and its memory and log grew with them.
 *
 * Deadlines are kept in a Map in write order: with one TTL for all, the oldest write expires
 * first, so a sweep reads from the front and stops at the first Event still alive.
 */
import type { Logger } from '../../log.ts';
import type { KObject, Store, StoreEvent } from './store.ts';

/** Both Event resources: core/v1 and events.k8s.io/v1 (store ids, see resources.ts resourceId). */
const EVENT_RESOURCES = new Set(['events', 'events.events.k8s.io']);

export const DEFAULT_EVENT_TTL_MS = 3_600_000;

interface Entry { resource: string; ns: string | undefined; name: string; deadline: number }

/**
 * When an Event found at startup was last written: the newest of its timestamps (the store does
 * not keep write times, and a lease's remaining TTL is not in the log). Undefined when none parses.
 */
export function lastWritten(obj: KObject): number | undefined {
  const o = obj as { lastTimestamp?: unknown; firstTimestamp?: unknown; eventTime?: unknown; deprecatedLastTimestamp?: unknown; series?: { lastObservedTime?: unknown } };
  const times = [o.lastTimestamp, o.eventTime, o.deprecatedLastTimestamp, o.series?.lastObservedTime, o.firstTimestamp, obj.metadata.creationTimestamp]
    .map((t) => (typeof t === 'string' ? Date.parse(t) : NaN))
    .filter((t) => Number.isFinite(t));
  return times.length ? Math.max(...times) : undefined;
}

export class EventExpiry {
  private readonly entries = new Map<string, Entry>();
  private readonly unsubscribe: () => void;
  private readonly timer: NodeJS.Timeout;
  private sweeping = false;
  private readonly store: Store;
  private readonly ttlMs: number;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(store: Store, ttlMs: number, log: Logger, now: () => number = Date.now) {
    this.store = store;
    this.ttlMs = ttlMs;
    this.log = log.child({ component: 'event-ttl' });
    this.now = now;
    // Events restored from the log, oldest first, so that the Map stays in deadline order.
    const found: Entry[] = [];
    const t = now();
    for (const resource of EVENT_RESOURCES) {
      for (const o of store.list(resource)) {
        found.push({ resource, ns: o.metadata.namespace, name: o.metadata.name!, deadline: Math.min(lastWritten(o) ?? t, t) + ttlMs });
      }
    }
    found.sort((a, b) => a.deadline - b.deadline);
    for (const e of found) this.entries.set(keyOf(e.resource, e.ns, e.name), e);
    this.unsubscribe = store.subscribe((ev) => this.observe(ev));
    // etcd checks leases about twice a second; a tenth of the TTL is as close as anyone can tell.
    this.timer = setInterval(() => this.sweep(), Math.min(10_000, Math.max(100, ttlMs / 10)));
    this.timer.unref();
  }

  /** Events tracked (test hook). */
  size(): number { return this.entries.size; }

  private observe(ev: StoreEvent): void {
    if (!EVENT_RESOURCES.has(ev.resource)) return;
    const { namespace: ns, name } = ev.object.metadata;
    const key = keyOf(ev.resource, ns, name!);
    // A write renews the lease: delete and set again moves the entry to the end of the order.
    this.entries.delete(key);
    if (ev.type !== 'DELETED') this.entries.set(key, { resource: ev.resource, ns, name: name!, deadline: this.now() + this.ttlMs });
  }

  /** Delete the Events whose TTL has run out, in one group commit. */
  sweep(): Promise<void> {
    if (this.sweeping) return Promise.resolve();
    const now = this.now();
    const due: Entry[] = [];
    for (const e of this.entries.values()) {
      if (e.deadline > now) break;
      due.push(e);
    }
    if (!due.length) return Promise.resolve();
    this.sweeping = true;
    // The DELETED events take the entries out of the Map; a refused write (a full disk) leaves
    // them at its front, and the next sweep tries again.
    return this.store.grouped(() => { for (const e of due) this.store.remove(e.resource, e.ns, e.name); })
      .then(
        () => { this.log.debug({ expired: due.length }, 'events expired'); },
        (err: unknown) => { this.log.warn({ err: String(err), due: due.length }, 'expiring events failed; retrying'); },
      )
      .finally(() => { this.sweeping = false; });
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }
}

function keyOf(resource: string, ns: string | undefined, name: string): string {
  return `${resource}\0${ns ?? ''}/${name}`;
}
