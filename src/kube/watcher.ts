/**
 * @module The watcher: informers for Namespaces, Services and the endpoint source (Pods or
 * EndpointSlices) feeding the ClusterModel, and a ZoneSource publishing its snapshots.
 *
 * - Objects are slimmed at ingest (zone/project.ts): the watch caches hold only slim records.
 * - Bursts coalesce: every event in one event-loop turn (one watch chunk, one relist) leads
 *   to one snapshot, published from a setImmediate; lookups always see a whole snapshot.
 * - Until every informer has listed once, the model is unsynced and lookups SERVFAIL
 *   (as CoreDNS, dns.md B.11); after that, an unreachable API changes nothing: the informers
 *   keep their caches and retry, and DNS keeps serving the last known state.
 * - Pods are also watched when the zone needs them besides endpoints (`pods verified`, the
 *   expected-name rule); StatefulSets for the expected-name rule only. They are optional: when
 *   RBAC forbids listing them the zone is served without them (names expected from pods only)
 *   and one warning says so.
 * - `labelSelector` narrows Services and the endpoint source (CoreDNS `labels`); namespaces
 *   narrow everything, with one informer per namespace and kind (so RBAC can be namespaced,
 *   except for reading the Namespace objects themselves).
 * - After the process was stopped (SIGSTOP, a paused container) every informer relists; once
 *   all of them have listed since the resume, the zone is fresh again and `onFresh` says so,
 *   after the snapshot with the catch-up is published: DNS threads hold their answers till then
 *   (dns/freshness.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../log.ts';
import type { ClusterModel } from '../zone/model.ts';
import { toSlim } from '../zone/project.ts';
import type { SlimKind, SlimRecord } from '../zone/records.ts';
import { createSealer, SnapshotSource } from '../zone/source.ts';
import type { BackoffOptions } from './backoff.ts';
import { processFreezes, type FreezeSignal } from './freeze.ts';
import { createInformer, type Informer, type RawObject } from './informer.ts';
import type { Metrics } from './metrics.ts';

/** What the watch caches hold: the key fields the informer needs, plus the slim record. */
export interface Entry {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  slim: SlimRecord;
}

export interface WatcherOptions {
  kc: KubeConfig;
  model: ClusterModel;
  endpointsFrom: 'pods' | 'endpointslices';
  /** Watch only these namespaces (default: all). */
  namespaces?: string[];
  labelSelector?: string;
  log: Logger;
  metrics?: Metrics;
  backoff?: BackoffOptions;
  /** Optional periodic full re-apply (ms); 0/undefined: never. */
  resyncMs?: number;
  /** Watch Pods even with endpointsFrom 'endpointslices' (pod records, expected names). */
  pods?: boolean;
  /** Watch StatefulSets (expected names); optional, see the module comment. */
  statefulSets?: boolean;
  /** Where freezes of the process are heard of (tests inject one); the process-wide detector by default. */
  freezes?: FreezeSignal;
}

export interface Watcher {
  /** Resolves once every informer has listed and the synced snapshot is published. */
  readonly synced: Promise<void>;
  readonly source: SnapshotSource;
  isSynced(): boolean;
  readonly informers: readonly Informer<Entry>[];
  /**
   * After a stop of the process: called once every informer has listed since the resume, with
   * Date.now() at the resume, right after the snapshot holding the catch-up is published.
   */
  onFresh(fn: (since: number) => void): void;
  stop(): Promise<void>;
}

interface Spec {
  kind: SlimKind;
  path: string;
  resource: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** The zone is served without it when it cannot be listed (403/404). */
  optional?: boolean;
}

const PATHS: Record<SlimKind, { group: string; plural: string }> = {
  Namespace: { group: '/api/v1', plural: 'namespaces' },
  Service: { group: '/api/v1', plural: 'services' },
  Pod: { group: '/api/v1', plural: 'pods' },
  EndpointSlice: { group: '/apis/discovery.k8s.io/v1', plural: 'endpointslices' },
  StatefulSet: { group: '/apis/apps/v1', plural: 'statefulsets' },
};

export interface ExtraKinds { pods?: boolean; statefulSets?: boolean }

/** Which list/watch streams to open: pure, so the narrowing rules are testable. */
export function informerSpecs(endpointsFrom: 'pods' | 'endpointslices', namespaces: readonly string[] = [], labelSelector?: string, extra: ExtraKinds = {}): Spec[] {
  const endpointKind: SlimKind = endpointsFrom === 'pods' ? 'Pod' : 'EndpointSlice';
  const kinds: SlimKind[] = ['Service', endpointKind];
  if (extra.pods && endpointKind !== 'Pod') kinds.push('Pod');
  if (extra.statefulSets) kinds.push('StatefulSet');
  // A StatefulSet's labels need not be its Service's: the selector narrows only what DNS publishes.
  const sel = (kind: SlimKind): Partial<Spec> => (kind === 'StatefulSet' ? { optional: true } : { labelSelector });
  const specs: Spec[] = [];
  const uniq = [...new Set(namespaces.map((n) => n.trim()).filter((n) => n !== ''))];
  if (uniq.length === 0) {
    specs.push({ kind: 'Namespace', path: '/api/v1/namespaces', resource: 'namespaces' });
    for (const kind of kinds) {
      const { group, plural } = PATHS[kind];
      specs.push({ kind, path: `${group}/${plural}`, resource: plural, ...sel(kind) });
    }
    return specs;
  }
  for (const ns of uniq) {
    specs.push({ kind: 'Namespace', path: '/api/v1/namespaces', resource: `namespaces/${ns}`, fieldSelector: `metadata.name=${ns}` });
    for (const kind of kinds) {
      const { group, plural } = PATHS[kind];
      specs.push({ kind, path: `${group}/namespaces/${encodeURIComponent(ns)}/${plural}`, resource: `${plural}/${ns}`, ...sel(kind) });
    }
  }
  return specs;
}

/** Slim a raw API object into an Entry (throws on objects the projection rejects). */
export function toEntry(raw: RawObject, kind: SlimKind): Entry {
  const m = (raw as { metadata?: Entry['metadata'] }).metadata ?? { name: '' };
  return { metadata: { name: m.name, namespace: m.namespace, resourceVersion: m.resourceVersion }, slim: toSlim(raw, kind) };
}

/** Two slim records are the same if their JSON is (they are small, flat and built in one order). */
function sameSlim(a: SlimRecord, b: SlimRecord): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function startWatcher(opts: WatcherOptions): Watcher {
  const log = opts.log.child({ component: 'watcher' });
  const { model, metrics } = opts;
  const source = new SnapshotSource(model.snapshot());
  // Receipt times of the events not yet published, for the programming-latency histogram.
  let pending: number[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  let stopped = false;
  const freshHandlers: ((since: number) => void)[] = [];
  /** Date.now() at the last resume from a stop, until every informer has listed since. */
  let staleSince: number | undefined;
  /** The resume the next publish() tells `onFresh` about. */
  let freshPending: number | undefined;

  // Changed records get their own SOA serial at the next second boundary (zone/serial.ts).
  const sealer = createSealer(model, source);

  function publish(): void {
    scheduled = undefined;
    source.publish(model.snapshot());
    sealer.schedule();
    const now = performance.now();
    if (metrics) for (const t of pending) metrics.observeProgramming((now - t) / 1000);
    pending = [];
    if (freshPending === undefined) return;
    const since = freshPending;
    freshPending = undefined;
    log.info({ ms: Date.now() - since }, 'caught up after the process was stopped');
    for (const fn of freshHandlers) {
      try { fn(since); } catch (err) { log.error({ err }, 'onFresh handler threw'); }
    }
  }

  function changed(): void {
    pending.push(performance.now());
    scheduled ??= setImmediate(publish);
  }

  const specs = informerSpecs(opts.endpointsFrom, opts.namespaces, opts.labelSelector, { pods: opts.pods, statefulSets: opts.statefulSets });
  const warned = new Set<SlimKind>();
  const unavailable = (spec: Spec) => (err: Error): void => {
    if (warned.has(spec.kind)) return;
    warned.add(spec.kind);
    log.warn({ err: { message: err.message }, resource: spec.resource },
      'cannot list StatefulSets: names are expected from pods only (grant list/watch on apps statefulsets to avoid bootstrap stalls)');
  };
  const informers = specs.map((spec) => {
    const inf = createInformer<Entry>({
      kc: opts.kc, path: spec.path, name: spec.resource, log: opts.log, backoff: opts.backoff, resyncMs: opts.resyncMs,
      labelSelector: spec.labelSelector, fieldSelector: spec.fieldSelector,
      transform: (raw) => toEntry(raw, spec.kind), freezes: opts.freezes,
      ...(spec.optional ? { onUnavailable: unavailable(spec) } : {}),
    });
    inf.on('add', (e) => {
      model.apply(e.slim);
      changed();
    });
    inf.on('update', (e, old) => {
      if (old && old !== e && sameSlim(old.slim, e.slim)) return;
      model.apply(e.slim);
      changed();
    });
    inf.on('delete', (e) => {
      model.remove(e.slim);
      changed();
    });
    inf.on('listed', () => checkFresh());
    metrics?.trackInformer(spec.resource, inf);
    return inf;
  });

  function checkFresh(): void {
    if (staleSince === undefined || !informers.every((i) => (i.freshSince() ?? -Infinity) >= staleSince!)) return;
    freshPending = staleSince;
    staleSince = undefined;
    scheduled ??= setImmediate(publish);
  }
  const unfreeze = (opts.freezes ?? processFreezes).subscribe((_ms, info) => {
    if (info.stopped && !stopped) staleSince = info.at;
  });

  const synced = new Promise<void>((resolve) => {
    let remaining = informers.length;
    for (const inf of informers) {
      inf.on('synced', () => {
        if (--remaining > 0 || stopped) return;
        model.markSynced();
        if (scheduled) clearImmediate(scheduled);
        publish();
        log.info({ informers: informers.length, ...model.stats() }, 'all informers synced; serving');
        resolve();
      });
    }
  });

  metrics?.trackZone(() => model.stats());
  for (const inf of informers) inf.start();
  log.info({ endpointsFrom: opts.endpointsFrom, kinds: [...new Set(specs.map((s) => s.kind))], namespaces: opts.namespaces ?? 'all', labelSelector: opts.labelSelector ?? '' }, 'watching');

  return {
    synced,
    source,
    isSynced: () => model.synced,
    informers,
    onFresh: (fn) => { freshHandlers.push(fn); },
    async stop(): Promise<void> {
      stopped = true;
      unfreeze();
      await Promise.all(informers.map((i) => i.stop()));
      if (scheduled) clearImmediate(scheduled);
      scheduled = undefined;
      sealer.stop();
      for (const s of specs) metrics?.untrackInformer(s.resource);
    },
  };
}
