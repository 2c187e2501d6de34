/**
 * @module Pure lookup: (snapshot, qname, qtype, qclass) -> LookupResult. Names follow the
 * Kubernetes DNS-Based Service Discovery spec 1.1.0 with CoreDNS's kubernetes plugin as the
 * peer for everything the spec leaves open (dns.md A, B).
 *
 * Deliberate differences from CoreDNS (RFC-correct instead; dns.md B.15):
 * - Q1  `dns-version.<zone>` with a type other than TXT is NODATA, not NXDOMAIN (RFC 2308 §2.2:
 *       the name exists).
 * - Q2  TXT (or any type) at an existing non-leaf name (`<zone>`, `svc.<zone>`, `<ns>.svc.<zone>`,
 *       `_tcp.<svc>...`) is NODATA, not NXDOMAIN (RFC 8020: empty non-terminals exist).
 * - Q3  SOA for a non-existent in-zone name is NXDOMAIN, not NODATA (RFC 1034 §4.3.2).
 * - Q4  AAAA (or A) on an ExternalName whose in-zone target lacks that type returns the CNAME
 *       followed by NODATA for the target, not a bare NODATA (RFC 1034 §3.6.2, RFC 2308 §2.2).
 * - Q5  PTRs come only from services that exist: slices lingering after their Service is deleted
 *       give neither forward names nor PTRs.
 * - Q6  `_<port>._<proto>` labels match exactly: `_._tcp` and labels without underscores are not
 *       wildcards (RFC 2782 names; CoreDNS removed wildcards in 1.9.0 but kept these two).
 * - Q7  Non-PTR types at a reverse name that has a PTR are NODATA, not NXDOMAIN.
 * Other choices where CoreDNS differs without violating an RFC:
 * - SRV weight is floor(100/N) with N = SRV records actually returned (CoreDNS counts before
 *   de-duplication, so a dual-stack ClusterIP's single SRV gets 50; here it gets 100).
 * - An A/AAAA query on `_<port>._<proto>.<svc>...` is NODATA (CoreDNS returns the endpoints' A).
 * - `pod.<zone>` names (CoreDNS `pods insecure|verified`, zone/pod-names.ts): nothing exists below
 *   a pod name (CoreDNS answers `x.<ip>.<ns>.pod.<zone>` like the pod name); with `pods disabled`
 *   `pod.<zone>` itself is NXDOMAIN (CoreDNS: NODATA); `verified` counts every podIPs entry; SRV
 *   at a pod name is NODATA (CoreDNS makes up `0 100 0 <itself>`).
 * - NXDOMAIN for a name a pod or StatefulSet is about to carry has the expected-name SOA (TTL and
 *   MINIMUM `--expected-negative-ttl`, zone/expected.ts); CoreDNS has no such rule.
 * - An ExternalName that looks like an IPv4 address is still a CNAME to that (digit) name, as
 *   the Service API documents it; CoreDNS answers NXDOMAIN for the Service name instead.
 * - Reverse-zone SOA/NS name the server `ns.dns.<primary zone>` (CoreDNS: `ns.dns.<reverse zone>`,
 *   a name that does not resolve).
 * - Names outside every served zone are REFUSED (CoreDNS: REFUSED or SERVFAIL by Corefile).
 * - Before the first sync every would-be NXDOMAIN is SERVFAIL without records (CoreDNS: with SOA).
 * - QTYPE ANY returns every RRset at the name (RFC 8482 allows either; CoreDNS answers NODATA).
 * - Records come sorted by endpoint name and PTRs by service, not in EndpointSlice order, so
 *   answers do not change when slices are rewritten with the same content.
 */
import { isExpected } from './expected.ts';
import { findUnderPod } from './pod-names.ts';
import { parseReverse } from './wire.ts';
import { EMPTY_NODE, nodeOf, ptrShard, type Apex, type NameNode, type Snapshot, type SvcView } from './snapshot.ts';
import { RRClass, RRType, Rcode, type LookupResult, type WireRR, type ZoneSnapshot } from './types.ts';

const NONE: readonly WireRR[] = [];
const MAX_CNAME_CHAIN = 8;

const refused: LookupResult = Object.freeze({ rcode: Rcode.REFUSED, aa: false, answer: NONE, authority: NONE, additional: NONE });

/** What a name is: data (node, maybe an alias) or nothing (`undefined` = NXDOMAIN). */
interface Found { readonly node: NameNode; readonly cname?: string }

function findApex(snap: Snapshot, qname: string): { apex: Apex; index: number; rel: string[] } | undefined {
  let best: { apex: Apex; index: number; rel: string[] } | undefined;
  const consider = (apex: Apex, index: number): void => {
    const z = apex.name;
    const inside = qname === z || qname.endsWith(`.${z}`);
    if (!inside || (best && best.apex.name.length >= z.length)) return;
    const rel = qname === z ? [] : qname.slice(0, -z.length - 1).split('.');
    best = { apex, index, rel };
  };
  snap.forward.forEach(consider);
  snap.reverse.forEach(consider);
  return best;
}

function svcView(snap: Snapshot, ns: string, name: string): SvcView | undefined {
  return snap.namespaces.get(ns)?.get(name);
}

function apexNode(apex: Apex): NameNode {
  return { sets: new Map([[RRType.SOA, [apex.soa]], [RRType.NS, apex.ns]]), extra: apex.nsGlue };
}

/** Resolve a name under a forward zone; rel = labels left of the zone, leftmost first. */
function findForward(snap: Snapshot, index: number, apex: Apex, rel: readonly string[]): Found | undefined {
  const n = rel.length;
  if (n === 0) return { node: apexNode(apex) };
  switch (rel[n - 1]) {
    case 'svc': return findUnderSvc(snap, index, rel);
    case 'pod': return findUnderPod(snap, rel, `${rel.join('.')}.${apex.name}`);
    case 'dns-version': {
      const txt = snap.versionTxt[index];
      return n === 1 && txt ? { node: nodeOf([[RRType.TXT, [txt]]]) } : undefined;
    }
    case 'dns':
      // `dns.<zone>` is the empty non-terminal above `ns.dns.<zone>` (RFC 8020).
      if (n === 1) return { node: EMPTY_NODE };
      return n === 2 && rel[0] === 'ns' ? { node: snap.nsHost[index] ?? EMPTY_NODE } : undefined;
    default:
      return undefined;
  }
}

/** `[...].<svc>.<ns>.svc.<zone>` (dns.md B.2): 0 labels = service, 1 = endpoint or `_proto`, 2 = `_port._proto`. */
function findUnderSvc(snap: Snapshot, index: number, rel: readonly string[]): Found | undefined {
  const n = rel.length;
  if (n === 1) return { node: EMPTY_NODE };
  const services = snap.namespaces.get(rel[n - 2] as string);
  if (!services) return undefined;
  if (n === 2) return { node: EMPTY_NODE };
  const view = services.get(rel[n - 3] as string);
  const zv = view?.exists ? view.byZone[index] : undefined;
  if (!view || !zv) return undefined;
  if (view.kind === 'ExternalName') {
    // Nothing exists below an alias (RFC 1034 §3.6.2).
    return n === 3 ? { node: zv.self, cname: view.cname } : undefined;
  }
  if (n === 3) return { node: zv.self };
  // Children are keyed by their labels joined: `web-0`, `_tcp`, `_http._tcp`; deeper names do not exist.
  const child = n <= 5 ? zv.children.get(rel.slice(0, n - 3).join('.')) : undefined;
  return child ? { node: child } : undefined;
}

/** PTR data for a reverse name; partial names exist when some served address lies below them. */
function findReverse(snap: Snapshot, qname: string): Found | undefined {
  const q = parseReverse(qname);
  if (!q) return undefined;
  if (q.kind === 'partial') return hasReverseDescendant(snap, q.v6, q.prefix, q.depth) ? { node: EMPTY_NODE } : undefined;
  const rrs = ptrRecords(snap, q.key);
  return rrs.length === 0 ? undefined : { node: nodeOf([[RRType.PTR, rrs]]) };
}

/** The PTR RRset of one address (a ptrKey, wire.ts); also what a reverse zone transfers. */
export function ptrRecords(snap: Snapshot, key: string): readonly WireRR[] {
  const keys = snap.ptrIndex.get(ptrShard(key))?.get(key) ?? [];
  const entries = keys
    .map((k) => { const i = k.indexOf('/'); return svcView(snap, k.slice(0, i), k.slice(i + 1))?.ptr.get(key); })
    .filter((e) => e !== undefined);
  // A ClusterIP answers alone; otherwise one PTR per distinct endpoint name (dns.md B.3).
  const cluster = entries.find((e) => e.clusterIP);
  return cluster ? cluster.rrs.slice(0, 1) : entries.flatMap((e) => e.rrs);
}

/**
 * Is a served address below this partial reverse name (an empty non-terminal, RFC 8020)? Names
 * at or below a shard (/24, /64) look inside that shard; shallower ones scan the shard keys only.
 */
function hasReverseDescendant(snap: Snapshot, v6: boolean, prefix: string, depth: number): boolean {
  const shardDepth = v6 ? 16 : 3;
  const isV6 = (shard: string): boolean => !shard.includes('.') && shard.length === 16;
  if (depth < shardDepth) {
    const p = v6 || depth === 0 ? prefix : `${prefix}.`;
    for (const shard of snap.ptrIndex.keys()) if (isV6(shard) === v6 && shard.startsWith(p)) return true;
    return false;
  }
  const shard = snap.ptrIndex.get(v6 ? prefix.slice(0, 16) : prefix);
  if (!shard || depth === shardDepth) return shard !== undefined;
  for (const key of shard.keys()) if (key.startsWith(prefix)) return true;
  return false;
}

function negative(snap: Snapshot, apex: Apex, nx: boolean, answer: readonly WireRR[] = NONE, soa: WireRR = apex.soa): LookupResult {
  // Never deny before the first full sync: SERVFAIL makes resolvers retry instead of caching.
  if (nx && !snap.synced) return { rcode: Rcode.SERVFAIL, aa: false, answer: NONE, authority: NONE, additional: NONE };
  return { rcode: nx ? Rcode.NXDOMAIN : Rcode.NOERROR, aa: true, answer, authority: [soa], additional: NONE };
}

/** The SOA for an NXDOMAIN: the short expected-name one for `<host>.<svc>.<ns>.svc.<zone>` about to appear. */
function nxSoa(snap: Snapshot, apex: Apex, rel: readonly string[]): WireRR {
  if (apex.soaExpected === undefined || rel.length !== 4 || rel[3] !== 'svc') return apex.soa;
  return isExpected(snap.expected, rel[2] as string, rel[1] as string, rel[0] as string) ? apex.soaExpected : apex.soa;
}

function answerFrom(node: NameNode, qtype: number): { answer: readonly WireRR[]; additional: readonly WireRR[] } {
  if (qtype === RRType.ANY) return { answer: [...node.sets.values()].flat(), additional: NONE };
  const answer = node.sets.get(qtype) ?? NONE;
  if (answer.length === 0) return { answer, additional: NONE };
  if (qtype === RRType.SRV) return { answer, additional: node.extra };
  if (qtype === RRType.NS) return { answer, additional: node.extra };
  return { answer, additional: NONE };
}

type ApexHit = NonNullable<ReturnType<typeof findApex>>;

function resolve(snap: Snapshot, qname: string, hit: ApexHit, qtype: number, chain: readonly WireRR[], seen: Set<string>): LookupResult {
  const { apex, index, rel } = hit;
  const found = apex.reverse
    ? rel.length === 0 ? { node: apexNode(apex) } : findReverse(snap, qname)
    : findForward(snap, index, apex, rel);
  if (!found) return negative(snap, apex, true, chain, nxSoa(snap, apex, rel));
  if (found.cname !== undefined) {
    const cname = found.node.sets.get(RRType.CNAME) ?? NONE;
    const next = [...chain, ...cname];
    if (qtype === RRType.CNAME || qtype === RRType.ANY) return { rcode: Rcode.NOERROR, aa: true, answer: next, authority: NONE, additional: NONE };
    // Follow the alias inside our own zones (RFC 1034 §4.3.2 step 3a); stop on loops.
    if (seen.has(found.cname) || seen.size >= MAX_CNAME_CHAIN) return { rcode: Rcode.NOERROR, aa: true, answer: next, authority: NONE, additional: NONE };
    seen.add(found.cname);
    const target = findApex(snap, found.cname);
    // Out of our zones: the CNAME is the whole answer; the resolver follows it (RFC 1034 §4.3.2).
    if (!target) return { rcode: Rcode.NOERROR, aa: true, answer: next, authority: NONE, additional: NONE };
    return resolve(snap, found.cname, target, qtype, next, seen);
  }
  const { answer, additional } = answerFrom(found.node, qtype);
  if (answer.length === 0) return negative(snap, apex, false, chain);
  return { rcode: Rcode.NOERROR, aa: true, answer: chain.length > 0 ? [...chain, ...answer] : answer, authority: NONE, additional };
}

/**
 * Answer one question. `qname` is lowercase without the trailing dot. The result's records are
 * shared with the snapshot and must not be mutated.
 */
export function lookup(snap: ZoneSnapshot, qname: string, qtype: number, qclass: number): LookupResult {
  const s = snap as Snapshot;
  // A bare ZoneSnapshot (a stub) holds no zone: refuse rather than throw.
  if (!Array.isArray(s.forward)) return refused;
  // The dns layer already lowercases and strips the root; stay correct for other callers too
  // (names compare case-insensitively: spec §2.1, RFC 4343).
  if (qname.endsWith('.')) qname = qname.slice(0, -1);
  if (/[A-Z]/.test(qname)) qname = qname.toLowerCase();
  if (qclass !== RRClass.IN && qclass !== RRClass.ANY) return refused;
  const hit = findApex(s, qname);
  if (hit === undefined) return refused;
  // Zone transfers stream from dns/xfr.ts; a lookup never answers them.
  if (qtype === RRType.AXFR || qtype === RRType.IXFR) return refused;
  return resolve(s, qname, hit, qtype, NONE, new Set([qname]));
}
