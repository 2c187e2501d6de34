/**
 * @module Pod records: `<a-b-c-d>.<ns>.pod.<zone>` A and the dashed IPv6 form for AAAA, as
 * CoreDNS's `pods insecure|verified` serves them (dns.md B.1; the spec dropped them in 1.1.0,
 * so they are an extension, A.6).
 *
 * - `insecure` answers for any label that parses as an IP, in any namespace that exists;
 * - `verified` only for an IP some pod of that namespace has, as long as the pod exists and has
 *   not finished (Succeeded/Failed, which CoreDNS filters out); a terminating pod still counts,
 *   as in CoreDNS 1.14 (checked by the differential e2e); every address in status.podIPs counts
 *   (CoreDNS: status.podIP only);
 * - `disabled` (the default) serves nothing under `pod.<zone>`.
 * Negative answers follow RFC 2308 and RFC 8020 as for `svc.<zone>`: `pod.<zone>` and
 * `<ns>.pod.<zone>` of an existing namespace are empty non-terminals (NODATA), a pod name with
 * the other family's type is NODATA, and everything else, including any name below a pod name,
 * is NXDOMAIN (CoreDNS ignores the labels left of the IP label there).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { EMPTY_NODE, nodeOf, ptrShard, type NameNode, type Snapshot } from './snapshot.ts';
import type { SlimPod } from './records.ts';
import { addressRR, canonicalIP, ptrKey } from './wire.ts';

/** `<ns> <ptrShard>` -> canonical IPs of that namespace's live pods in that shard. */
export type PodIPIndex = ReadonlyMap<string, ReadonlySet<string>>;

export const NO_POD_IPS: PodIPIndex = new Map();

/**
 * The address a pod label stands for (canonical text), as CoreDNS reads it: exactly three dashes
 * and no `--` is dotted IPv4, anything else has its dashes turned into colons (IPv6).
 */
export function podLabelIP(label: string): string | undefined {
  const dashes = label.split('-').length - 1;
  if (dashes === 3 && !label.includes('--')) {
    const v4 = label.replaceAll('-', '.');
    return isIPv4(v4) ? v4 : undefined;
  }
  const v6 = label.replaceAll('-', ':');
  // Scope ids and embedded dotted quads have no dashed form.
  if (v6.includes('%') || v6.includes('.') || !isIPv6(v6)) return undefined;
  return canonicalIP(v6);
}

/** A pod whose IPs `verified` answers for: any pod that has not finished (it still holds its IPs). */
export function podIsLive(p: SlimPod): boolean {
  return !p.terminal;
}

const indexKey = (ns: string, ip: string): string => `${ns} ${ptrShard(ptrKey(ip))}`;

export function hasPodIP(index: PodIPIndex, ns: string, ip: string): boolean {
  return index.get(indexKey(ns, ip))?.has(ip) === true;
}

/**
 * The names below `pod.<zone>`; rel = labels left of the zone, leftmost first (the last is
 * `pod`). `owner` is the whole name, for the record. undefined = NXDOMAIN.
 */
export function findUnderPod(snap: Snapshot, rel: readonly string[], owner: string): { node: NameNode } | undefined {
  const n = rel.length;
  if (snap.pods === 'disabled' || n > 3) return undefined;
  if (n === 1) return { node: EMPTY_NODE };
  const ns = rel[n - 2] as string;
  if (!snap.namespaces.has(ns)) return undefined;
  if (n === 2) return { node: EMPTY_NODE };
  const ip = podLabelIP(rel[0] as string);
  if (ip === undefined || (snap.pods === 'verified' && !hasPodIP(snap.podIPs, ns, ip))) return undefined;
  const rr = addressRR(owner, snap.ttl, ip);
  return { node: nodeOf([[rr.type, [rr]]]) };
}

/** The mutable side of `verified`: which namespaces' live pods hold which IPs (counted: hostNetwork pods share one). */
export class PodIPTracker {
  readonly #counts = new Map<string, Map<string, number>>();
  readonly #dirty = new Set<string>();

  get dirty(): boolean {
    return this.#dirty.size > 0;
  }

  #each(p: SlimPod, fn: (k: string, ip: string) => void): void {
    if (!podIsLive(p)) return;
    for (const raw of new Set(p.ips.map(canonicalIP))) if (raw !== undefined) fn(indexKey(p.ns, raw), raw);
  }

  addPod(p: SlimPod): void {
    this.#each(p, (k, ip) => {
      let m = this.#counts.get(k);
      if (!m) this.#counts.set(k, (m = new Map()));
      m.set(ip, (m.get(ip) ?? 0) + 1);
      this.#dirty.add(k);
    });
  }

  removePod(p: SlimPod): void {
    this.#each(p, (k, ip) => {
      const m = this.#counts.get(k);
      const c = m?.get(ip);
      if (!m || c === undefined) return;
      if (c > 1) m.set(ip, c - 1);
      else m.delete(ip);
      if (m.size === 0) this.#counts.delete(k);
      this.#dirty.add(k);
    });
  }

  /** The next index: `prev` with the touched shards rebuilt, or `prev` itself. */
  flush(prev: PodIPIndex): PodIPIndex {
    if (this.#dirty.size === 0) return prev;
    let next: Map<string, ReadonlySet<string>> | undefined;
    for (const k of this.#dirty) {
      const m = this.#counts.get(k);
      const before = prev.get(k);
      // A pod update that keeps its IPs must not make a new snapshot.
      if (m === undefined ? before === undefined : before !== undefined && before.size === m.size && [...m.keys()].every((ip) => before.has(ip))) continue;
      next ??= new Map(prev);
      if (m) next.set(k, new Set(m.keys()));
      else next.delete(k);
    }
    this.#dirty.clear();
    return next ?? prev;
  }
}
