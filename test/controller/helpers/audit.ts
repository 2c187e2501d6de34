/**
 * A continuous audit of pod identity, fed synchronously by the embedded store's event stream
 * (every committed pod event, in resourceVersion order — the source every API watch reads).
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

const ORDINAL = /^(.*)-(\d+)$/;

export function isGood(pod: KObject): boolean {
  const status = pod.status as { phase?: string; conditions?: { type: string; status: string }[] } | undefined;
  return !pod.metadata.deletionTimestamp && status?.phase === 'Running' && (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export class PodAudit {
  readonly violations: string[] = [];
  created = 0;
  deleted = 0;
  /** OrderedReady creations whose predecessors were checked. */
  orderedChecks = 0;
  private readonly live = new Map<string, Track>();
  /** Last time a name (any uid) was seen good; set again when it stops being good or is deleted. */
  private readonly lastGood = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private readonly store: Store;
  private readonly lagMs: number;

  constructor(store: Store, lagMs = 1_000) {
    this.store = store;
    this.lagMs = lagMs;
    this.unsubscribe = store.subscribe((ev) => {
      if (ev.resource === 'pods') this.onEvent(ev);
    });
  }

  stop(): void { this.unsubscribe(); }

  private fail(msg: string): void {
    if (this.violations.length < 50) this.violations.push(msg);
  }

  private onEvent(ev: StoreEvent): void {
    const now = Date.now();
    const m = ev.object.metadata;
    const key = `${m.namespace}/${m.name}`;
    const uid = m.uid ?? '';
    const cur = this.live.get(key);
    if (ev.type === 'ADDED') {
      this.created++;
      if (cur) this.fail(`${key}: uid ${uid} added while uid ${cur.uid} still exists (rv ${ev.rv})`);
      this.checkOrdered(ev.object, key, now);
      const good = isGood(ev.object);
      this.live.set(key, { uid, good });
      if (good) this.lastGood.set(key, now);
      return;
    }
    if (!cur || cur.uid !== uid) {
      this.fail(`${key}: ${ev.type} for uid ${uid} but the live uid is ${cur?.uid ?? 'none'} (rv ${ev.rv})`);
      return;
    }
    if (ev.type === 'DELETED') {
      this.deleted++;
      this.live.delete(key);
      if (cur.good) this.lastGood.set(key, now);
      return;
    }
    const good = isGood(ev.object);
    if (good || cur.good) this.lastGood.set(key, now);
    cur.good = good;
  }

  private checkOrdered(pod: KObject, key: string, now: number): void {
    const ref = pod.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'StatefulSet');
    const m = ORDINAL.exec(pod.metadata.name ?? '');
    if (!ref || !m) return;
    const set = this.store.get('statefulsets.apps', pod.metadata.namespace, ref.name) as { spec?: { podManagementPolicy?: string; ordinals?: { start?: number } } } | undefined;
    if (!set || (set.spec?.podManagementPolicy ?? 'OrderedReady') !== 'OrderedReady') return;
    this.orderedChecks++;
    const ordinal = Number(m[2]);
    for (let k = set.spec?.ordinals?.start ?? 0; k < ordinal; k++) {
      const pk = `${pod.metadata.namespace}/${m[1]}-${k}`;
      const t = this.live.get(pk);
      if (t?.good) continue;
      const last = this.lastGood.get(pk);
      if (last !== undefined && now - last <= this.lagMs) continue;
      this.fail(`${key} created while predecessor ${pk} was ${t ? 'not Ready' : 'missing'} (last good ${last === undefined ? 'never' : `${now - last} ms ago`})`);
    }
  }
}
