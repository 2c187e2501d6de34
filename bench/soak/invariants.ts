/**
 * @module StatefulSet guarantees (kubernetes.io StatefulSet docs: "Deployment and Scaling
 * Guarantees", "Stable Storage"), checked on every pod event the oracle sees:
 * - identity: at most one pod per `<set>-<i>`: a pod of that name with a new uid may only
 *   appear after the old one's DELETED;
 * - OrderedReady: pod i is created only when pods 0..i-1 exist, are not terminating, and are
 *   Ready, or were so less than GRACE_MS ago: the controller acts on its cache, as upstream's does.
 *   A Ready predecessor force-deleted just before (its DELETED right behind in the watch) is
 *   such a case: the controller planned pod i with the predecessor still in its cache;
 * - claims kept: a claim a pod uses is never deleted nor replaced by a new uid.
 * Events missed while the oracle was disconnected are not judged (a relist resets the baseline).
 */
import type { ClusterView, PodView } from './expect.ts';

const GRACE_MS = 2000;

export interface Violation { t: number; kind: 'identity' | 'ordered-ready' | 'claims'; detail: string }

export class Invariants {
  readonly violations: Violation[] = [];
  checked = 0;
  private readonly liveUid = new Map<string, string>();
  private readonly unreadySince = new Map<string, number>();
  /** Pods (by namespace/name) deleted while Ready and not terminating, and when. */
  private readonly readyGoneAt = new Map<string, number>();
  private readonly claimUid = new Map<string, string>();
  private readonly pendingClaims: { t: number; claims: string[]; pod: string }[] = [];
  /** The last pod events per set, told with a violation: what the oracle saw just before it. */
  private readonly trail = new Map<string, string[]>();
  private readonly start = Date.now();

  private remember(type: string, p: PodView): string {
    const setKey = `${p.ns}/${p.set}`;
    const t = this.trail.get(setKey) ?? [];
    t.push(`${((Date.now() - this.start) / 1000).toFixed(3)}s ${type} ${p.name} ${p.uid.slice(0, 8)}${p.ready ? ' ready' : ''}${p.terminating ? ' terminating' : ''}`);
    if (t.length > 8) t.shift();
    this.trail.set(setKey, t);
    return setKey;
  }

  private flag(kind: Violation['kind'], detail: string): void {
    this.violations.push({ t: Date.now(), kind, detail });
  }

  relisted(view: ClusterView): void {
    this.liveUid.clear();
    for (const [k, p] of view.pods) this.liveUid.set(k, p.uid);
  }

  podEvent(type: string, p: PodView, before: ClusterView): void {
    this.checked++;
    const k = `${p.ns}/${p.name}`;
    const setKey = p.set === '' ? '' : this.remember(type, p);
    const prev = before.pods.get(k);
    if (prev?.ready && (!p.ready || p.terminating)) this.unreadySince.set(p.uid, Date.now());
    if (type === 'DELETED') {
      if (prev?.ready && !prev.terminating) this.readyGoneAt.set(k, Date.now());
      this.liveUid.delete(k);
      return;
    }
    const live = this.liveUid.get(k);
    if (live !== undefined && live !== p.uid) this.flag('identity', `${k}: uid ${p.uid} appeared while ${live} was not deleted`);
    this.liveUid.set(k, p.uid);
    if (type !== 'ADDED' || p.set === '') return;
    const set = before.sets.get(`${p.ns}/${p.set}`);
    if (set?.policy === 'OrderedReady') {
      const now = Date.now();
      for (let j = 0; j < p.ordinal; j++) {
        const q = before.pods.get(`${p.ns}/${p.set}-${j}`);
        const since = q === undefined ? this.readyGoneAt.get(`${p.ns}/${p.set}-${j}`) : this.unreadySince.get(q.uid);
        const recentlyReady = now - (since ?? -Infinity) < GRACE_MS;
        const fine = q !== undefined && q.ready && !q.terminating;
        if (!fine && !recentlyReady) {
          this.flag('ordered-ready', `${k} created while ${p.set}-${j} was ${q ? (q.terminating ? 'terminating' : 'not ready') : 'missing'}; last events of the set: ${(this.trail.get(setKey) ?? []).join(', ')}`);
          break;
        }
      }
    }
    if (p.claims.length > 0) this.pendingClaims.push({ t: Date.now(), claims: p.claims.map((c) => `${p.ns}/${c}`), pod: k });
    this.settleClaims();
  }

  claimSeen(k: string, uid: string, deleted: boolean): void {
    const known = this.claimUid.get(k);
    if (deleted) { if (known) this.flag('claims', `claim ${k} deleted`); this.claimUid.delete(k); return; }
    if (known && known !== uid) this.flag('claims', `claim ${k} replaced: ${known} -> ${uid}`);
    this.claimUid.set(k, uid);
    this.settleClaims();
  }

  /** A pod's claims must be known within GRACE_MS of its creation (the claim watch is a separate stream). */
  settleClaims(now = Date.now()): void {
    for (let i = this.pendingClaims.length - 1; i >= 0; i--) {
      const c = this.pendingClaims[i]!;
      if (c.claims.every((x) => this.claimUid.has(x))) this.pendingClaims.splice(i, 1);
      else if (now - c.t > GRACE_MS) { this.flag('claims', `${c.pod} created before its claims ${c.claims.join(',')}`); this.pendingClaims.splice(i, 1); }
    }
  }
}
