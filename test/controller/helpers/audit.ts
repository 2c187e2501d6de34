/**
 * A continuous audit of pod identity over a stream of pod events in resourceVersion order.
 * `IdentityAudit` holds the checks; `PodAudit` feeds it synchronously from the embedded store's
 * event stream (every committed pod event — the source every API watch reads), and
 * `WatchAudit` (watch-audit.ts) from a watch on a real API server.
 *
 * - At most one pod per identity: a name gets a new uid only after the DELETED event of the
 *   previous uid; MODIFIED/DELETED always name the uid that is current.
 * - OrderedReady: when pod N of such a set is created, every pod k < N exists, is Running and
 *   Ready and not Terminating — or was so within `lagMs` (the controller decides on an informer
 *   cache, so a predecessor that turned unready a moment ago may legitimately look Ready to it;
 *   upstream has the same window). A predecessor that was never good, or not for longer than
 *   the lag, is a violation.
 */
import type { KObject, Store, StoreEvent } from '../../../src/local/api/index.ts';

interface Track {
  uid: string;
  /** Running, Ready and not Terminating right now. */
  good: boolean;
}

export type PodEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** What the OrderedReady check needs to know about the owning set; undefined = unknown set. */
export interface SetPolicy {
  podManagementPolicy?: string;
  ordinalsStart?: number;
}

const ORDINAL = /^(.*)-(\d+)$/;

export function isGood(pod: KObject): boolean {
  const status = pod.status as { phase?: string; conditions?: { type: string; status: string }[] } | undefined;
  return !pod.metadata.deletionTimestamp && status?.phase === 'Running' && (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export class IdentityAudit {
  readonly violations: string[] = [];
  created = 0;
  deleted = 0;
  /** OrderedReady creations whose predecessors were checked. */
  orderedChecks = 0;
  private readonly live = new Map<string, Track>();
  /** Last time a name (any uid) was seen good; set again when it stops being good or is deleted. */
  private readonly lastGood = new Map<string, number>();
  private readonly policyOf: (namespace: string, set: string) => SetPolicy | undefined;
  private readonly lagMs: number;

  constructor(policyOf: (namespace: string, set: string) => SetPolicy | undefined, lagMs = 1_000) {
    this.policyOf = policyOf;
    this.lagMs = lagMs;
  }

  /** Pods that existed before the audit started: tracked, not checked. */
  seed(pods: readonly KObject[]): void {
    const now = Date.now();
    for (const p of pods) {
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      const good = isGood(p);
      this.live.set(key, { uid: p.metadata.uid ?? '', good });
      if (good) this.lastGood.set(key, now);
    }
  }

  /** Names with a live uid right now (the audit's own view). */
  liveCount(): number { return this.live.size; }

  protected fail(msg: string): void {
    if (this.violations.length < 50) this.violations.push(msg);
  }

  observe(type: PodEventType, pod: KObject, rv: string | undefined = pod.metadata.resourceVersion): void {
    const now = Date.now();
    const m = pod.metadata;
    const key = `${m.namespace}/${m.name}`;
    const uid = m.uid ?? '';
    const cur = this.live.get(key);
    if (type === 'ADDED') {
      this.created++;
      if (cur) this.fail(`${key}: uid ${uid} added while uid ${cur.uid} still exists (rv ${rv})`);
      this.checkOrdered(pod, key, now);
      const good = isGood(pod);
      this.live.set(key, { uid, good });
      if (good) this.lastGood.set(key, now);
      return;
    }
    if (!cur || cur.uid !== uid) {
      this.fail(`${key}: ${type} for uid ${uid} but the live uid is ${cur?.uid ?? 'none'} (rv ${rv})`);
      return;
    }
    if (type === 'DELETED') {
      this.deleted++;
      this.live.delete(key);
      if (cur.good) this.lastGood.set(key, now);
      return;
    }
    const good = isGood(pod);
    if (good || cur.good) this.lastGood.set(key, now);
    cur.good = good;
  }

  private checkOrdered(pod: KObject, key: string, now: number): void {
    const ref = pod.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'StatefulSet');
    const m = ORDINAL.exec(pod.metadata.name ?? '');
    if (!ref || !m) return;
    const set = this.policyOf(pod.metadata.namespace ?? '', ref.name);
    if (!set || (set.podManagementPolicy ?? 'OrderedReady') !== 'OrderedReady') return;
    this.orderedChecks++;
    const ordinal = Number(m[2]);
    for (let k = set.ordinalsStart ?? 0; k < ordinal; k++) {
      const pk = `${pod.metadata.namespace}/${m[1]}-${k}`;
      const t = this.live.get(pk);
      if (t?.good) continue;
      const last = this.lastGood.get(pk);
      if (last !== undefined && now - last <= this.lagMs) continue;
      this.fail(`${key} created while predecessor ${pk} was ${t ? 'not Ready' : 'missing'} (last good ${last === undefined ? 'never' : `${now - last} ms ago`})`);
    }
  }
}

/** The audit fed by the embedded store itself: it sees every commit, synchronously. */
export class PodAudit extends IdentityAudit {
  private readonly unsubscribe: () => void;

  constructor(store: Store, lagMs = 1_000) {
    super((ns, name) => {
      const set = store.get('statefulsets.apps', ns, name) as { spec?: { podManagementPolicy?: string; ordinals?: { start?: number } } } | undefined;
      return set && { podManagementPolicy: set.spec?.podManagementPolicy, ordinalsStart: set.spec?.ordinals?.start };
    }, lagMs);
    this.seed(store.list('pods'));
    this.unsubscribe = store.subscribe((ev: StoreEvent) => {
      if (ev.resource === 'pods') this.observe(ev.type, ev.object, String(ev.rv));
    });
  }

  stop(): void { this.unsubscribe(); }
}
