/**
 * @module Expected names: no bootstrap stall. A StatefulSet's pods look each other up while they
 * start. The NXDOMAIN a peer gets before the other is Ready is cached by every resolver on the
 * way for the negative TTL, min(SOA TTL, SOA MINIMUM) (RFC 2308 §5), and the peer stays
 * unfindable that long after it is Ready (kubernetes/kubernetes#92559, coredns/coredns#2434).
 *
 * A name `<host>.<svc>.<ns>.svc.<zone>` is *expected* while it has no answer when either
 * - a pod that is not ready (or is going away, or has no IP yet) has spec.hostname = host and
 *   spec.subdomain = svc in ns: once Ready it carries the name (ShouldSetHostname, dns.md A.7);
 * - a StatefulSet in ns with spec.serviceName = svc has host = `<name>-<i>` with i in
 *   spec.ordinals.start .. start + replicas - 1 (statefulset.md: pod identity).
 * Lookup answers those NXDOMAINs with an SOA whose TTL and MINIMUM are the shorter expected TTL.
 *
 * The decisions are pure functions; ExpectedTracker is the model's mutable ingest side and
 * produces the immutable index each snapshot carries, copying only the namespaces it touched.
 */
import type { SlimPod, SlimStatefulSet } from './records.ts';

/** A StatefulSet's ordinals: `<set>-<i>` for start <= i < end. */
export interface OrdinalRange { readonly set: string; readonly start: number; readonly end: number }

/** What one governing Service is about to publish. */
export interface ExpectedNames {
  /** Hostnames of pods that will carry `<host>.<svc>...` once Ready. */
  readonly hosts: ReadonlySet<string>;
  /** StatefulSets governed by the Service, sorted by name. */
  readonly ranges: readonly OrdinalRange[];
}

/** Namespace -> Service name -> expected names. */
export type ExpectedIndex = ReadonlyMap<string, ReadonlyMap<string, ExpectedNames>>;

export const NO_EXPECTED: ExpectedIndex = new Map();

/** A pod that will carry its hostname under its subdomain once it is Ready (terminal pods never will). */
export function podWillCarry(p: SlimPod): boolean {
  return p.hostname !== '' && p.subdomain !== '' && !p.terminal && (!p.ready || p.terminating || p.ips.length === 0);
}

/** The ordinals of a StatefulSet, or undefined when it governs no Service or has no replicas. */
export function ordinalRange(s: SlimStatefulSet): OrdinalRange | undefined {
  if (s.serviceName === '' || s.replicas <= 0) return undefined;
  return { set: s.name, start: s.start, end: s.start + s.replicas };
}

/** Is `host` = `<set>-<i>` with i in the range? Ordinals are decimal without leading zeros (pod names). */
export function inRange(host: string, r: OrdinalRange): boolean {
  const n = r.set.length;
  if (host.length < n + 2 || host.charCodeAt(n) !== 45 /* - */ || !host.startsWith(r.set)) return false;
  const digits = host.slice(n + 1);
  if (!/^(0|[1-9]\d{0,9})$/.test(digits)) return false;
  const i = Number(digits);
  return i >= r.start && i < r.end;
}

/** Is `<host>.<svc>.<ns>.svc.<zone>` expected? (Only asked for names that have no answer.) */
export function isExpected(index: ExpectedIndex, ns: string, svc: string, host: string): boolean {
  const e = index.get(ns)?.get(svc);
  if (!e) return false;
  return e.hosts.has(host) || e.ranges.some((r) => inRange(host, r));
}

const key = (ns: string, svc: string): string => `${ns}/${svc}`;

function sameNames(a: ExpectedNames | undefined, b: ExpectedNames | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.hosts.size === b.hosts.size && [...a.hosts].every((h) => b.hosts.has(h)) &&
    a.ranges.length === b.ranges.length && a.ranges.every((r, i) => {
      const o = b.ranges[i];
      return o !== undefined && o.set === r.set && o.start === r.start && o.end === r.end;
    });
}

/** The mutable side: which pods and StatefulSets announce which names, and what changed since the last flush. */
export class ExpectedTracker {
  /** `ns/svc` -> pod name -> hostname. */
  readonly #pods = new Map<string, Map<string, string>>();
  /** `ns/svc` -> StatefulSet name -> its ordinals. */
  readonly #sets = new Map<string, Map<string, OrdinalRange>>();
  readonly #dirty = new Set<string>();

  get dirty(): boolean {
    return this.#dirty.size > 0;
  }

  addPod(p: SlimPod): void {
    if (!podWillCarry(p)) return;
    const k = key(p.ns, p.subdomain);
    let m = this.#pods.get(k);
    if (!m) this.#pods.set(k, (m = new Map()));
    m.set(p.name, p.hostname);
    this.#dirty.add(k);
  }

  removePod(p: SlimPod): void {
    const k = key(p.ns, p.subdomain);
    const m = this.#pods.get(k);
    if (!m?.delete(p.name)) return;
    if (m.size === 0) this.#pods.delete(k);
    this.#dirty.add(k);
  }

  addStatefulSet(s: SlimStatefulSet): void {
    const r = ordinalRange(s);
    if (!r) return;
    const k = key(s.ns, s.serviceName);
    let m = this.#sets.get(k);
    if (!m) this.#sets.set(k, (m = new Map()));
    m.set(s.name, r);
    this.#dirty.add(k);
  }

  removeStatefulSet(s: SlimStatefulSet): void {
    const k = key(s.ns, s.serviceName);
    const m = this.#sets.get(k);
    if (!m?.delete(s.name)) return;
    if (m.size === 0) this.#sets.delete(k);
    this.#dirty.add(k);
  }

  #names(k: string): ExpectedNames | undefined {
    const hosts = new Set(this.#pods.get(k)?.values() ?? []);
    const ranges = [...(this.#sets.get(k)?.values() ?? [])].sort((a, b) => (a.set < b.set ? -1 : a.set > b.set ? 1 : 0));
    return hosts.size > 0 || ranges.length > 0 ? { hosts, ranges } : undefined;
  }

  /** The next index: `prev` with the touched Services rebuilt (copy-on-write), or `prev` itself. */
  flush(prev: ExpectedIndex): ExpectedIndex {
    if (this.#dirty.size === 0) return prev;
    const copied = new Map<string, Map<string, ExpectedNames>>();
    for (const k of this.#dirty) {
      const i = k.indexOf('/');
      const ns = k.slice(0, i), svc = k.slice(i + 1);
      const names = this.#names(k);
      const before = (copied.get(ns) ?? prev.get(ns))?.get(svc);
      // A pod update that changes nothing here (still not ready) must not make a new snapshot.
      if (sameNames(before, names)) continue;
      let m = copied.get(ns);
      if (!m) copied.set(ns, (m = new Map(prev.get(ns) ?? [])));
      if (names) m.set(svc, names);
      else m.delete(svc);
    }
    this.#dirty.clear();
    if (copied.size === 0) return prev;
    const top = new Map(prev);
    for (const [ns, m] of copied) {
      if (m.size > 0) top.set(ns, m);
      else top.delete(ns);
    }
    return top;
  }
}
