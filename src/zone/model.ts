/**
 * @module ClusterModel: the mutable ingest side of the zone. Watch events go in through
 * apply/remove; snapshot() rebuilds only the services touched since the previous snapshot and
 * returns a new immutable Snapshot that shares every untouched map with its predecessor.
 */
import { buildService, type BuildConfig } from './build.ts';
import { normalizeZoneConfig } from './config.ts';
import { SnapshotEditor } from './cow.ts';
import { ExpectedTracker, NO_EXPECTED } from './expected.ts';
import { NO_POD_IPS, PodIPTracker } from './pod-names.ts';
import { toSlim } from './project.ts';
import type { SlimEndpointSlice, SlimKind, SlimPod, SlimRecord, SlimService, SlimStatefulSet } from './records.ts';
import { resolveFromPods, resolveFromSlices, sameResolved, selects } from './resolve.ts';
import { buildApexes, type Snapshot, type SvcView } from './snapshot.ts';
import { nextSerial } from './serial.ts';
import type { ZoneConfig } from './types.ts';

export interface ModelOptions {
  /** Clock for the SOA serial, in milliseconds (tests pin it). */
  now?: () => number;
  /** Called when a service's records cannot be built (e.g. a name over 255 octets); it is then served as absent. */
  onError?: (err: unknown, service: string) => void;
}

export interface ModelStats {
  namespaces: number; services: number; pods: number; slices: number; names: number; records: number;
}

const key = (ns: string, name: string): string => `${ns}/${name}`;
const pairKey = (ns: string, k: string, v: string): string => `${ns}\0${k}=${v}`;

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}
function delFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (s?.delete(v) && s.size === 0) m.delete(k);
}

/** The selector pair a service is indexed under: its first key in sorted order. */
function firstPair(s: SlimService): string | undefined {
  if (s.selector === null) return undefined;
  const k = Object.keys(s.selector).sort()[0];
  return k === undefined ? undefined : pairKey(s.ns, k, s.selector[k] ?? '');
}

export class ClusterModel {
  readonly #cfg: ZoneConfig;
  readonly #build: BuildConfig;
  readonly #now: () => number;
  readonly #onError: (err: unknown, service: string) => void;
  readonly #namespaces = new Set<string>();
  readonly #services = new Map<string, SlimService>();
  readonly #pods = new Map<string, SlimPod>();
  readonly #slices = new Map<string, SlimEndpointSlice>();
  /** Pods by `ns\0k=v` of each label, to find a service's pods without a scan. */
  readonly #podsByPair = new Map<string, Set<string>>();
  /** Services by their first selector pair, to find the services selecting a pod. */
  readonly #svcByPair = new Map<string, Set<string>>();
  readonly #slicesBySvc = new Map<string, Set<string>>();
  readonly #statefulSets = new Map<string, SlimStatefulSet>();
  /** Only with the expected-name rule / `pods verified`: otherwise nothing is tracked. */
  readonly #expected: ExpectedTracker | undefined;
  readonly #podIPs: PodIPTracker | undefined;
  readonly #svcCountByNs = new Map<string, number>();
  readonly #dirty = new Set<string>();
  #nsDirty = new Set<string>();
  #synced = false;
  #syncDirty = true;
  #snap: Snapshot;

  /** Throws an Error naming the field when cfg cannot work (see normalizeZoneConfig). */
  constructor(cfg: ZoneConfig, opts: ModelOptions = {}) {
    this.#cfg = normalizeZoneConfig(cfg);
    this.#build = { zones: this.#cfg.zones, ttl: this.#cfg.ttl, reverse: this.#cfg.reverseZones.length > 0 };
    this.#now = opts.now ?? Date.now;
    this.#onError = opts.onError ?? ((): void => undefined);
    this.#expected = this.#cfg.expectedNegativeTtl !== undefined ? new ExpectedTracker() : undefined;
    this.#podIPs = this.#cfg.pods === 'verified' ? new PodIPTracker() : undefined;
    const serial = Math.floor(this.#now() / 1000) >>> 0;
    this.#snap = {
      version: 0, serial, sealed: false, synced: false, ttl: this.#cfg.ttl, ...buildApexes(this.#cfg, serial),
      namespaces: new Map(), ptrIndex: new Map(), pods: this.#cfg.pods ?? 'disabled', podIPs: NO_POD_IPS, expected: NO_EXPECTED,
    };
  }

  /**
   * Add or update an object. Accepts a full API object (with `metadata`; `kind` from the object
   * or the argument, since list items carry none) or a slim record from project.ts.
   * Throws an Error for unsupported kinds or objects without a name; the model is unchanged then.
   */
  apply(obj: unknown, kind?: SlimKind): void {
    const r = toSlim(obj, kind);
    this.#remove(r);
    this.#insert(r);
  }

  /** Delete an object (full or slim, as for apply). Unknown objects are ignored. */
  remove(obj: unknown, kind?: SlimKind): void {
    this.#remove(toSlim(obj, kind));
  }

  /** The initial list of every watched kind is in: from now on NXDOMAIN is the truth. */
  markSynced(): void {
    if (!this.#synced) { this.#synced = true; this.#syncDirty = true; }
  }

  get synced(): boolean {
    return this.#synced;
  }

  #insert(r: SlimRecord): void {
    switch (r.kind) {
      case 'Namespace':
        this.#namespaces.add(r.name);
        this.#nsDirty.add(r.name);
        return;
      case 'Service': {
        const k = key(r.ns, r.name);
        this.#services.set(k, r);
        const p = firstPair(r);
        if (p) addTo(this.#svcByPair, p, k);
        this.#svcCountByNs.set(r.ns, (this.#svcCountByNs.get(r.ns) ?? 0) + 1);
        this.#dirty.add(k);
        return;
      }
      case 'Pod': {
        const k = key(r.ns, r.name);
        this.#pods.set(k, r);
        for (const [lk, lv] of Object.entries(r.labels)) addTo(this.#podsByPair, pairKey(r.ns, lk, lv), k);
        this.#touchPod(r);
        this.#expected?.addPod(r);
        this.#podIPs?.addPod(r);
        return;
      }
      case 'StatefulSet':
        this.#statefulSets.set(key(r.ns, r.name), r);
        this.#expected?.addStatefulSet(r);
        return;
      case 'EndpointSlice': {
        const k = key(r.ns, r.name);
        this.#slices.set(k, r);
        if (r.service !== '') {
          addTo(this.#slicesBySvc, key(r.ns, r.service), k);
          this.#dirty.add(key(r.ns, r.service));
        }
        return;
      }
    }
  }

  /** Remove the stored version of r (by identity), marking what it touched dirty. */
  #remove(r: SlimRecord): void {
    if (r.kind === 'Namespace') {
      if (this.#namespaces.delete(r.name)) this.#nsDirty.add(r.name);
      return;
    }
    const k = key(r.ns, r.name);
    switch (r.kind) {
      case 'Service': return this.#removeService(k);
      case 'Pod': return this.#removePod(k);
      case 'EndpointSlice': return this.#removeSlice(k);
      case 'StatefulSet': {
        const old = this.#statefulSets.get(k);
        if (old && this.#statefulSets.delete(k)) this.#expected?.removeStatefulSet(old);
      }
    }
  }

  #removeService(k: string): void {
    const old = this.#services.get(k);
    if (!old) return;
    this.#services.delete(k);
    const p = firstPair(old);
    if (p) delFrom(this.#svcByPair, p, k);
    const n = (this.#svcCountByNs.get(old.ns) ?? 1) - 1;
    if (n > 0) this.#svcCountByNs.set(old.ns, n);
    else this.#svcCountByNs.delete(old.ns);
    this.#dirty.add(k);
  }

  #removePod(k: string): void {
    const old = this.#pods.get(k);
    if (!old) return;
    this.#pods.delete(k);
    for (const [lk, lv] of Object.entries(old.labels)) delFrom(this.#podsByPair, pairKey(old.ns, lk, lv), k);
    this.#touchPod(old);
    this.#expected?.removePod(old);
    this.#podIPs?.removePod(old);
  }

  #removeSlice(k: string): void {
    const old = this.#slices.get(k);
    if (!old) return;
    this.#slices.delete(k);
    if (old.service !== '') {
      delFrom(this.#slicesBySvc, key(old.ns, old.service), k);
      this.#dirty.add(key(old.ns, old.service));
    }
  }

  /** A pod event rebuilds only the services selecting it (pods source). */
  #touchPod(p: SlimPod): void {
    if (this.#cfg.endpointsFrom !== 'pods') return;
    for (const [lk, lv] of Object.entries(p.labels)) {
      for (const sk of this.#svcByPair.get(pairKey(p.ns, lk, lv)) ?? []) {
        const s = this.#services.get(sk);
        if (s && selects(s.selector, p.labels)) this.#dirty.add(sk);
      }
    }
  }

  /** Candidate pods: those carrying the selector pair with the fewest pods (resolve re-checks all pairs). */
  #podsOf(s: SlimService): SlimPod[] {
    if (s.selector === null) return [];
    let best: Set<string> | undefined;
    for (const [k, v] of Object.entries(s.selector)) {
      const set = this.#podsByPair.get(pairKey(s.ns, k, v));
      if (!set) return [];
      if (!best || set.size < best.size) best = set;
    }
    const out: SlimPod[] = [];
    for (const pk of best ?? []) {
      const pod = this.#pods.get(pk);
      if (pod) out.push(pod);
    }
    return out;
  }

  #view(k: string): SvcView | undefined {
    const s = this.#services.get(k);
    if (!s) return undefined;
    // Selector-less services get their endpoints from user-written slices in both modes: the
    // EndpointSlice controller leaves them alone (dns.md A.7), so there are no pods to read.
    const r = this.#cfg.endpointsFrom === 'pods' && s.selector !== null
      ? resolveFromPods(s, this.#podsOf(s))
      : resolveFromSlices(s, [...(this.#slicesBySvc.get(k) ?? [])].map((sk) => this.#slices.get(sk)).filter((x) => x !== undefined));
    const prev = this.#snap.namespaces.get(s.ns)?.get(s.name);
    if (prev && sameResolved(prev.from, r)) return prev;
    try {
      return buildService(r, this.#build, r, prev);
    } catch (err) {
      // Bad input must not stop the zone: serve this service as absent and report it. The view
      // keeps `r` as its source, so the same input is not tried (and reported) again.
      this.#onError(err, k);
      return buildService({ ...r, type: 'Headless', endpoints: [] }, this.#build, r);
    }
  }

  /** The current immutable snapshot; a new one (new version) only if the zone content changed. */
  snapshot(): Snapshot {
    if (this.#dirty.size === 0 && this.#nsDirty.size === 0 && !this.#syncDirty && !this.#trackedDirty()) return this.#snap;
    const prev = this.#snap;
    const ed = this.#editServices(prev);
    const syncChanged = this.#syncDirty && prev.synced !== this.#synced;
    this.#syncDirty = false;
    const { podIPs, expected } = this.#flushTracked(prev);
    const content = ed.changed || syncChanged || podIPs !== prev.podIPs;
    if (!content && expected === prev.expected) return prev;

    // New content keeps the last sealed serial until `seal` mints one (serial.ts). Expected names
    // only change negative TTLs, not the zone's records: they keep the serial and the seal.
    this.#snap = {
      ...prev, version: prev.version + 1, sealed: content ? false : prev.sealed, synced: this.#synced,
      namespaces: ed.namespaces, ptrIndex: ed.ptrIndex, podIPs, expected,
    };
    return this.#snap;
  }

  #trackedDirty(): boolean {
    return this.#expected?.dirty === true || this.#podIPs?.dirty === true;
  }

  /** The side indexes (verified pod IPs, expected names) brought up to date over prev's. */
  #flushTracked(prev: Snapshot): Pick<Snapshot, 'podIPs' | 'expected'> {
    return { podIPs: this.#podIPs?.flush(prev.podIPs) ?? prev.podIPs, expected: this.#expected?.flush(prev.expected) ?? prev.expected };
  }

  /** The dirty services rebuilt over `prev`, copy-on-write. */
  #editServices(prev: Snapshot): SnapshotEditor {
    const ed = new SnapshotEditor(prev);
    for (const k of this.#dirty) {
      const i = k.indexOf('/');
      ed.setService(k.slice(0, i), k.slice(i + 1), this.#view(k));
    }
    // Namespace presence: a Namespace object or at least one Service (a child implies its parent).
    for (const ns of new Set([...this.#nsDirty, ...ed.touchedNamespaces()])) {
      ed.setNamespacePresent(ns, this.#namespaces.has(ns) || (this.#svcCountByNs.get(ns) ?? 0) > 0);
    }
    this.#dirty.clear();
    this.#nsDirty.clear();
    return ed;
  }

  /**
   * Give the current content its own serial, minted now (serial.ts): a new snapshot with the same
   * records and a new SOA. Returns the current snapshot unchanged when it is sealed already.
   */
  seal(): Snapshot {
    const prev = this.#snap;
    if (prev.sealed) return prev;
    const serial = nextSerial(prev.serial, this.#now());
    this.#snap = { ...prev, version: prev.version + 1, serial, sealed: true, ...buildApexes(this.#cfg, serial) };
    return this.#snap;
  }

  /** Counts of the stored objects and of the last snapshot taken (never triggers a rebuild). */
  stats(): ModelStats {
    const snap = this.#snap;
    let names = 0, records = 0, services = 0;
    for (const m of snap.namespaces.values()) {
      for (const v of m.values()) { services++; names += v.names; records += v.records; }
    }
    return { namespaces: snap.namespaces.size, services, pods: this.#pods.size, slices: this.#slices.size, names, records };
  }
}
