/**
 * @module The oracle: follows the API by list+watch (its own connection, never the cut-able
 * proxy), keeps an immutable ClusterView per change for the propagation window, and runs the
 * StatefulSet invariant checks on every pod event.
 */
import { AppsV1Api, CoreV1Api, Watch, type KubeConfig, type V1PersistentVolumeClaim, type V1Pod, type V1Service, type V1StatefulSet } from '@kubernetes/client-node';
import type { ClusterView, PodView, ServiceView, SetView } from './expect.ts';
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
  private readonly aborts: AbortController[] = [];
  private stopped = false;
  relists = 0;
  private readonly kc: KubeConfig;
  private readonly keepMs: number;

  constructor(kc: KubeConfig, keepMs: number) {
    this.kc = kc;
    this.keepMs = keepMs;
  }

  async start(): Promise<void> {
    const core = this.kc.makeApiClient(CoreV1Api);
    const apps = this.kc.makeApiClient(AppsV1Api);
    await Promise.all([
      this.follow('/api/v1/pods', async () => core.listPodForAllNamespaces(), (items: V1Pod[]) => this.setPods(items), (t, o: V1Pod) => this.podEvent(t, o)),
      this.follow('/api/v1/services', async () => core.listServiceForAllNamespaces(), (items: V1Service[]) => this.replace('services', items.map(serviceView)),
        (t, o: V1Service) => this.patch('services', key(o), t === 'DELETED' ? undefined : serviceView(o))),
      this.follow('/apis/apps/v1/statefulsets', async () => apps.listStatefulSetForAllNamespaces(), (items: V1StatefulSet[]) => this.replace('sets', items.map(setView)),
        (t, o: V1StatefulSet) => this.patch('sets', key(o), t === 'DELETED' ? undefined : setView(o))),
      this.follow('/api/v1/persistentvolumeclaims', async () => core.listPersistentVolumeClaimForAllNamespaces(),
        (items: V1PersistentVolumeClaim[]) => { for (const c of items) this.invariants.claimSeen(key(c), c.metadata?.uid ?? '', false); },
        (t, o: V1PersistentVolumeClaim) => this.invariants.claimSeen(key(o), o.metadata?.uid ?? '', t === 'DELETED')),
    ]);
  }

  /** List, then watch from the list's resourceVersion; on any end or error, list again. */
  private async follow<T>(path: string, list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>,
    onList: (items: T[]) => void, onEvent: (type: string, o: T) => void): Promise<void> {
    const once = async (): Promise<void> => {
      const l = await list();
      onList(l.items);
      const ac = await new Watch(this.kc).watch(path, { resourceVersion: l.metadata?.resourceVersion, allowWatchBookmarks: true },
        (type: string, o: T) => { if (type !== 'BOOKMARK') onEvent(type, o); },
        () => { this.aborts.splice(this.aborts.indexOf(ac), 1); void again(); });
      this.aborts.push(ac);
    };
    const again = async (): Promise<void> => {
      while (!this.stopped) {
        await new Promise((r) => setTimeout(r, 300));
        if (this.stopped) return;
        try { await once(); this.relists++; return; } catch { /* API down: retry */ }
      }
    };
    await once();
  }

  private stamp(view: ClusterView): void {
    this.view = view;
    const now = Date.now();
    this.history.push({ t: now, view });
    while (this.history.length > 1 && this.history[1]!.t < now - this.keepMs) this.history.shift();
  }

  private setPods(items: V1Pod[]): void {
    this.stamp({ ...this.view, pods: new Map(items.map((p) => [key(p), podView(p)])) });
    this.invariants.relisted(this.view);
  }

  private replace(which: 'services' | 'sets', items: (ServiceView | SetView)[]): void {
    this.stamp({ ...this.view, [which]: new Map(items.map((x) => [`${x.ns}/${x.name}`, x])) });
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
