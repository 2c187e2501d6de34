/**
 * @module The oracle: follows the API by list+watch (its own connection, never the cut-able
 * proxy), keeps an immutable ClusterView per change for the propagation window, and runs the
 * StatefulSet invariant checks on every pod event.
 *
 * A watch that ends is resumed from the last resourceVersion it delivered (an event's or a
 * BOOKMARK's), as client-go's reflector does, so the oracle sees every state in between. It lists
 * again only when the API no longer has that version (410 Gone: after a kill -9 its history is
 * gone); the states in that gap are unknown, and it is kept for the checker (gap.ts).
 */
import { AppsV1Api, CoreV1Api, Watch, type KubeConfig, type V1PersistentVolumeClaim, type V1Pod, type V1Service, type V1StatefulSet } from '@kubernetes/client-node';
import type { ClusterView, PodView, ServiceView, SetView } from './expect.ts';
import type { Gap } from './gap.ts';
import { Invariants } from './invariants.ts';

export function podView(p: V1Pod): PodView {
  const m = p.metadata ?? {};
  const owner = (m.ownerReferences ?? []).find((o) => o.kind === 'StatefulSet');
  const ord = owner ? Number(/-(\d+)$/.exec(m.name ?? '')?.[1] ?? -1) : -1;
  return {
    ns: m.namespace ?? '', name: m.name ?? '', uid: m.uid ?? '', ip: p.status?.podIP ?? '',
    ready: (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    terminating: !!m.deletionTimestamp, terminal: p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
    hostname: (p.spec?.hostname ?? '').toLowerCase(), subdomain: (p.spec?.subdomain ?? '').toLowerCase(),
    labels: m.labels ?? {}, set: owner?.name ?? '', ordinal: ord, nodeName: p.spec?.nodeName ?? '',
    containerPorts: Object.fromEntries((p.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).filter((x) => x.name).map((x) => [x.name!, x.containerPort]))),
    claims: (p.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [])),
  };
}

function serviceView(s: V1Service): ServiceView {
  return {
    ns: s.metadata?.namespace ?? '', name: s.metadata?.name ?? '', headless: s.spec?.clusterIP === 'None',
    selector: s.spec?.selector ?? null, publishNotReady: s.spec?.publishNotReadyAddresses === true,
    ports: (s.spec?.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port, targetPort: (p.targetPort as number | string | undefined) ?? p.port })),
  };
}

function setView(s: V1StatefulSet): SetView {
  return {
    ns: s.metadata?.namespace ?? '', name: s.metadata?.name ?? '', uid: s.metadata?.uid ?? '', replicas: s.spec?.replicas ?? 1,
    serviceName: s.spec?.serviceName ?? '', policy: s.spec?.podManagementPolicy ?? 'OrderedReady',
    generation: s.metadata?.generation ?? 0, observedGeneration: s.status?.observedGeneration ?? 0,
    readyReplicas: s.status?.readyReplicas ?? 0, updatedReplicas: s.status?.updatedReplicas ?? 0,
    currentRevision: s.status?.currentRevision ?? '', updateRevision: s.status?.updateRevision ?? '',
    claimTemplates: (s.spec?.volumeClaimTemplates ?? []).map((c) => c.metadata?.name ?? ''),
  };
}

const key = (o: { metadata?: { namespace?: string; name?: string } }): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

interface Stamped { t: number; view: ClusterView }

export class Oracle {
  view: ClusterView = { pods: new Map(), services: new Map(), sets: new Map() };
  readonly invariants = new Invariants();
  /** Views of the last `keepMs`, oldest first; the first one was current at the window's start. */
  private history: Stamped[] = [];
  /** Relists of the last `keepMs`: what the oracle did not see (gap.ts). */
  private gaps: Gap[] = [];
  private readonly aborts: AbortController[] = [];
  private stopped = false;
  relists = 0;
  private readonly kc: KubeConfig;
  private readonly keepMs: number;
  /**
   * Asked of the API per watch. Under client-node's inactivity timeout (30 s), which is shorter
   * than the API's bookmark interval (about a minute): a quiet watch then ends cleanly and is
   * resumed, instead of being aborted with nothing to say whether it missed anything.
   */
  private readonly watchTimeoutS: number;

  constructor(kc: KubeConfig, keepMs: number, watchTimeoutS = 25) {
    this.kc = kc;
    this.keepMs = keepMs;
    this.watchTimeoutS = watchTimeoutS;
  }

  async start(): Promise<void> {
    const core = this.kc.makeApiClient(CoreV1Api);
    const apps = this.kc.makeApiClient(AppsV1Api);
    await Promise.all([
      this.follow('/api/v1/pods', async () => core.listPodForAllNamespaces(), (items: V1Pod[], gap) => this.setPods(items, gap), (t, o: V1Pod) => this.podEvent(t, o)),
      this.follow('/api/v1/services', async () => core.listServiceForAllNamespaces(), (items: V1Service[], gap) => this.replace('services', items.map(serviceView), gap),
        (t, o: V1Service) => this.patch('services', key(o), t === 'DELETED' ? undefined : serviceView(o))),
      this.follow('/apis/apps/v1/statefulsets', async () => apps.listStatefulSetForAllNamespaces(), (items: V1StatefulSet[], gap) => this.replace('sets', items.map(setView), gap),
        (t, o: V1StatefulSet) => this.patch('sets', key(o), t === 'DELETED' ? undefined : setView(o))),
      this.follow('/api/v1/persistentvolumeclaims', async () => core.listPersistentVolumeClaimForAllNamespaces(),
        (items: V1PersistentVolumeClaim[]) => { for (const c of items) this.invariants.claimSeen(key(c), c.metadata?.uid ?? '', false); },
        (t, o: V1PersistentVolumeClaim) => this.invariants.claimSeen(key(o), o.metadata?.uid ?? '', t === 'DELETED')),
    ]);
  }

  /**
   * List, then watch from the list's resourceVersion. A watch that ends or fails is opened again
   * from the last resourceVersion seen; only a 410 Gone (the API no longer has it) lists again.
   * The oracle then did not see what changed since the watch ended: `onList` gets that moment.
   */
  private async follow<T extends { metadata?: { resourceVersion?: string } }>(path: string, list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>,
    onList: (items: T[], gapFrom: number | undefined) => void, onEvent: (type: string, o: T) => void): Promise<void> {
    let rv: string | undefined;
    // Since when the oracle may have missed changes: the first end of a watch not yet covered by
    // a later one (an event after it, or a clean end of a watch resumed from the same version).
    let endedAt: number | undefined;
    const once = async (): Promise<void> => {
      if (rv === undefined) {
        const l = await list();
        onList(l.items, endedAt);
        if (endedAt !== undefined) this.relists++;
        endedAt = undefined;
        rv = l.metadata?.resourceVersion;
      }
      let gone = false;
      const ac = await new Watch(this.kc).watch(path, { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: this.watchTimeoutS },
        (type: string, o: T) => {
          if (type === 'ERROR') {
            if ((o as { code?: number }).code === 410) { gone = true; rv = undefined; }
            return;
          }
          endedAt = undefined;
          if (type !== 'BOOKMARK') onEvent(type, o);
          rv = o.metadata?.resourceVersion ?? rv;
        },
        (err: unknown) => {
          if ((err as { statusCode?: number } | null)?.statusCode === 410) { gone = true; rv = undefined; }
          // A clean end of a watch the API kept up to its end: nothing was missed before now.
          endedAt = !err && !gone ? Date.now() : (endedAt ?? Date.now());
          this.aborts.splice(this.aborts.indexOf(ac), 1);
          void again();
        });
      this.aborts.push(ac);
    };
    const again = async (): Promise<void> => {
      while (!this.stopped) {
        await new Promise((r) => setTimeout(r, rv === undefined ? 300 : 50));
        if (this.stopped) return;
        try {
          await once();
          return;
        } catch { /* API down: retry */ }
      }
    };
    await once();
  }

  private stamp(view: ClusterView, gapFrom?: number): void {
    const before = this.view;
    this.view = view;
    const now = Date.now();
    this.history.push({ t: now, view });
    while (this.history.length > 1 && this.history[1]!.t < now - this.keepMs) this.history.shift();
    if (gapFrom !== undefined) this.gaps.push({ from: gapFrom, to: now, before, after: view });
    while (this.gaps.length > 0 && this.gaps[0]!.to < now - this.keepMs) this.gaps.shift();
  }

  /** The relists whose gap overlaps [from, to]. */
  gapsBetween(from: number, to: number): Gap[] {
    return this.gaps.filter((g) => g.from <= to && g.to >= from);
  }

  private setPods(items: V1Pod[], gapFrom?: number): void {
    this.stamp({ ...this.view, pods: new Map(items.map((p) => [key(p), podView(p)])) }, gapFrom);
    this.invariants.relisted(this.view);
  }

  private replace(which: 'services' | 'sets', items: (ServiceView | SetView)[], gapFrom?: number): void {
    this.stamp({ ...this.view, [which]: new Map(items.map((x) => [`${x.ns}/${x.name}`, x])) }, gapFrom);
  }

  private patch(which: 'services' | 'sets', k: string, v: ServiceView | SetView | undefined): void {
    const m = new Map(this.view[which] as Map<string, ServiceView | SetView>);
    if (v) m.set(k, v); else m.delete(k);
    this.stamp({ ...this.view, [which]: m });
  }

  private podEvent(type: string, o: V1Pod): void {
    const pv = podView(o);
    const m = new Map(this.view.pods);
    if (type === 'DELETED') m.delete(key(o)); else m.set(key(o), pv);
    this.invariants.podEvent(type, pv, this.view);
    this.stamp({ ...this.view, pods: m });
  }

  /**
   * Every view that was current at some moment of [from, to], the one current at `near` first,
   * then the others by their distance from it (in history order), so that a checker stopping at
   * the first match mostly computes one or two expected answers instead of every view's.
   */
  viewsBetween(from: number, to: number, near = to): ClusterView[] {
    const inWindow: { t: number; view: ClusterView }[] = [];
    for (let i = 0; i < this.history.length; i++) {
      const h = this.history[i]!;
      const nextT = this.history[i + 1]?.t ?? Infinity;
      if (h.t <= to && nextT >= from) inWindow.push(h);
    }
    let at = 0;
    while (at + 1 < inWindow.length && inWindow[at + 1]!.t <= near) at++;
    const out: ClusterView[] = [];
    for (let d = 0; out.length < inWindow.length; d++) {
      if (at + d < inWindow.length) out.push(inWindow[at + d]!.view);
      if (d > 0 && at - d >= 0) out.push(inWindow[at - d]!.view);
    }
    return out;
  }

  stop(): void {
    this.stopped = true;
    for (const a of this.aborts) a.abort();
  }
}
