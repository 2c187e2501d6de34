/**
 * @module Pure: one resolved service -> its prebuilt records (SvcView). Called once per service
 * change; every query afterwards only picks ready-made RRsets.
 */
import { isIPv4 } from 'node:net';
import type { ResolvedEndpoint, ResolvedService } from './resolve.ts';
import { nodeOf, type NameNode, type PtrEntry, type SvcView, type SvcZoneView } from './snapshot.ts';
import { RRType, type WireRR } from './types.ts';
import { addressRR, cnameRR, isEncodableName, ptrRR, reverseName, srvRR, withOwner } from './wire.ts';

export interface BuildConfig {
  readonly zones: readonly string[];
  readonly ttl: number;
  readonly reverse: boolean;
}

interface SrvWant { readonly port: number; readonly target: string; readonly glue: readonly WireRR[] }

/**
 * Record factory for one service and zone. Records with equal data share one encoded tail
 * (the service A and the endpoint A of one IP, the SRVs of `svc`, `_port._proto.svc` and the
 * endpoint name), which halves allocations when a whole zone is built.
 */
class Recs {
  readonly #ttl: number;
  readonly #cache = new Map<string, WireRR>();
  constructor(ttl: number) { this.#ttl = ttl; }
  #get(key: string, owner: string, make: () => WireRR): WireRR {
    const r = this.#cache.get(key);
    if (r) return r.owner === owner ? r : withOwner(r, owner);
    const made = make();
    this.#cache.set(key, made);
    return made;
  }
  addr(owner: string, ip: string): WireRR {
    return this.#get(ip, owner, () => addressRR(owner, this.#ttl, ip));
  }
  srv(owner: string, weight: number, port: number, target: string): WireRR {
    return this.#get(`${weight} ${port} ${target}`, owner, () => srvRR(owner, this.#ttl, 0, weight, port, target));
  }
}

/** Priority 0, weight floor(100/N) with a minimum of 1 (CoreDNS, dns.md B.5); N counts the SRVs returned. */
function srvSet(rec: Recs, owner: string, wants: readonly SrvWant[]): NameNode {
  const seen = new Set<string>();
  const uniq = wants.filter((w) => {
    const k = `${w.target} ${w.port}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
  const weight = Math.max(1, Math.floor(100 / Math.max(1, uniq.length)));
  const srv = uniq.map((w) => rec.srv(owner, weight, w.port, w.target));
  const glueSeen = new Set<string>();
  const extra: WireRR[] = [];
  for (const w of uniq) if (!glueSeen.has(w.target)) { glueSeen.add(w.target); extra.push(...w.glue); }
  return { sets: new Map([[RRType.SRV, srv]]), extra };
}

function addrSets(rec: Recs, owner: string, ips: readonly string[]): Array<[number, WireRR[]]> {
  const a: WireRR[] = [], aaaa: WireRR[] = [];
  for (const ip of ips) (isIPv4(ip) ? a : aaaa).push(rec.addr(owner, ip));
  return [[RRType.A, a], [RRType.AAAA, aaaa]];
}

function merge(n: NameNode, more: NameNode): NameNode {
  return nodeOf([...n.sets, ...more.sets], [...n.extra, ...more.extra]);
}

/**
 * `_<port>._<proto>` names exist only for named ports (spec §2.3/§2.4). Headless: the port names
 * the endpoints carry (slice ports); ClusterIP: the Service's own ports.
 */
function namedPorts(r: ResolvedService, base: string, selfGlue: readonly WireRR[], glueOf: (ep: ResolvedEndpoint) => readonly WireRR[]): Map<string, SrvWant[]> {
  const named = new Map<string, SrvWant[]>();
  const want = (name: string, protocol: string, w: SrvWant): void => {
    if (name === '') return;
    const key = `_${name}._${protocol.toLowerCase()}`;
    named.set(key, [...(named.get(key) ?? []), w]);
  };
  if (r.type === 'Headless') {
    for (const ep of r.endpoints) for (const p of ep.ports) want(p.name, p.protocol, { port: p.port, target: `${ep.label}.${base}`, glue: glueOf(ep) });
  } else {
    for (const p of r.ports) want(p.name, p.protocol, { port: p.port, target: base, glue: selfGlue });
  }
  return named;
}

function buildZone(r: ResolvedService, zone: string, ttl: number): SvcZoneView {
  const base = `${r.name}.${r.ns}.svc.${zone}`;
  if (r.type === 'ExternalName') {
    return { self: nodeOf([[RRType.CNAME, [cnameRR(base, ttl, r.externalName)]]]), children: new Map() };
  }
  const headless = r.type === 'Headless';
  const rec = new Recs(ttl);
  const children = new Map<string, NameNode>();
  // Endpoint names exist for ClusterIP services too (CoreDNS extension, dns.md B.3).
  const epAddr = new Map<string, WireRR[]>();
  for (const ep of r.endpoints) {
    const owner = `${ep.label}.${base}`;
    const sets = addrSets(rec, owner, ep.ips);
    epAddr.set(ep.label, sets.flatMap(([, rrs]) => rrs));
    children.set(ep.label, nodeOf(sets));
  }
  const glueOf = (ep: ResolvedEndpoint): readonly WireRR[] => epAddr.get(ep.label) ?? [];
  for (const ep of r.endpoints) {
    const owner = `${ep.label}.${base}`;
    const wants = ep.ports.map((p) => ({ port: p.port, target: owner, glue: glueOf(ep) }));
    const node = children.get(ep.label);
    if (node && wants.length > 0) children.set(ep.label, merge(node, srvSet(rec, owner, wants)));
  }

  const selfAddr = addrSets(rec, base, headless ? [...new Set(r.endpoints.flatMap((e) => e.ips))] : r.clusterIPs);
  const selfGlue = selfAddr.flatMap(([, rrs]) => rrs);
  // Bare service SRV lists every port, named or not (CoreDNS extension; the kubia app uses it).
  const selfWants: SrvWant[] = headless
    ? r.endpoints.flatMap((ep) => ep.ports.map((p) => ({ port: p.port, target: `${ep.label}.${base}`, glue: glueOf(ep) })))
    : r.ports.map((p) => ({ port: p.port, target: base, glue: selfGlue }));
  let self = nodeOf(selfAddr);
  if (selfWants.length > 0) self = merge(self, srvSet(rec, base, selfWants));

  for (const [key, wants] of namedPorts(r, base, selfGlue, glueOf)) {
    children.set(key, srvSet(rec, `${key}.${base}`, wants));
    const proto = key.slice(key.indexOf('.') + 1);
    if (!children.has(proto)) children.set(proto, nodeOf([])); // empty non-terminal (RFC 8020)
  }
  return { self, children };
}

function countRecords(z: SvcZoneView): number {
  let n = 0;
  for (const node of [z.self, ...z.children.values()]) for (const rrs of node.sets.values()) n += rrs.length;
  return n;
}

/** PTRs for ClusterIPs and ready endpoint IPs, targets under the primary zone (dns.md B.3, B.10). */
function buildPtr(r: ResolvedService, cfg: BuildConfig): Map<string, PtrEntry> {
  const ptr = new Map<string, PtrEntry>();
  const base = `${r.name}.${r.ns}.svc.${cfg.zones[0] ?? 'cluster.local'}`;
  for (const ip of r.clusterIPs) ptr.set(ip, { clusterIP: true, rrs: [ptrRR(reverseName(ip), cfg.ttl, base)] });
  for (const ep of r.endpoints) {
    for (const ip of ep.ips) {
      const prev = ptr.get(ip);
      if (prev?.clusterIP) continue;
      ptr.set(ip, { clusterIP: false, rrs: [...(prev?.rrs ?? []), ptrRR(reverseName(ip), cfg.ttl, `${ep.label}.${base}`)] });
    }
  }
  return ptr;
}

export function buildService(r: ResolvedService, cfg: BuildConfig, sig: string): SvcView {
  const usable = r.type !== 'ExternalName' || (r.externalName !== '' && isEncodableName(r.externalName));
  const exists = usable && (r.type !== 'Headless' || r.endpoints.length > 0);
  const byZone = exists ? cfg.zones.map((z) => buildZone(r, z, cfg.ttl)) : [];
  const ptr = exists && cfg.reverse && r.type !== 'ExternalName' ? buildPtr(r, cfg) : new Map<string, PtrEntry>();
  const first = byZone[0];
  return {
    ns: r.ns, name: r.name, kind: r.type, exists,
    cname: r.type === 'ExternalName' ? r.externalName : '',
    byZone, ptr, sig,
    names: first ? 1 + first.children.size : 0,
    records: (first ? countRecords(first) : 0) + ptr.size,
  };
}
