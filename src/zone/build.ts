/**
 * @module Pure: one resolved service -> its prebuilt records (SvcView). Called once per service
 * change; every query afterwards only picks ready-made RRsets. Each endpoint's records are an
 * EndpointPiece that the next build of the same service reuses while the endpoint's data (and
 * the SRV weights) stay equal, so one pod change in a 5,000-pod service re-encodes one pod.
 */
import type { ResolvedEndpoint, ResolvedService } from './resolve.ts';
import { nodeOf, type EndpointPiece, type NameNode, type PtrEntry, type SvcView, type SvcZoneView } from './snapshot.ts';
import { RRType, type WireRR } from './types.ts';
import { addressRR, cnameRR, isEncodableName, ptrKey, ptrRR, reverseName, srvRR, withOwner } from './wire.ts';

export interface BuildConfig {
  readonly zones: readonly string[];
  readonly ttl: number;
  readonly reverse: boolean;
}

/** SRV priority 0, weight floor(100/N) with a minimum of 1 (CoreDNS, dns.md B.5); N counts the SRVs returned. */
export function srvWeight(n: number): number {
  return Math.max(1, Math.floor(100 / Math.max(1, n)));
}

/** `_<port>._<proto>` label pair of a named port (spec §2.3: unnamed ports have none). */
const portKey = (name: string, protocol: string): string => `_${name}._${protocol.toLowerCase()}`;

/** One SRV per distinct port number: TCP and UDP on the same number collapse (dns.md B.5). */
function distinctPorts<P extends { port: number }>(ports: readonly P[]): P[] {
  const seen = new Set<number>();
  return ports.filter((p) => (seen.has(p.port) ? false : (seen.add(p.port), true)));
}

function splitFamilies(rrs: readonly WireRR[]): Array<[number, WireRR[]]> {
  return [[RRType.A, rrs.filter((r) => r.type === RRType.A)], [RRType.AAAA, rrs.filter((r) => r.type === RRType.AAAA)]];
}

interface Weights { readonly self: number; readonly named: ReadonlyMap<string, number> }

/** Everything one endpoint contributes: its own name, and (headless) its share of the service's sets. */
function makePiece(ep: ResolvedEndpoint, base: string, ttl: number, headless: boolean, w: Weights, key: string): EndpointPiece {
  const owner = `${ep.label}.${base}`;
  const glue = ep.ips.map((ip) => addressRR(owner, ttl, ip));
  const ports = distinctPorts(ep.ports);
  const tails = new Map<string, WireRR>(); // equal rdata under several owners shares one tail
  const srv = (o: string, weight: number, port: number): WireRR => {
    const k = `${weight} ${port}`;
    const r = tails.get(k);
    if (r) return withOwner(r, o);
    const made = srvRR(o, ttl, 0, weight, port, owner);
    tails.set(k, made);
    return made;
  };
  const ownSrv = ports.map((p) => srv(owner, srvWeight(ports.length), p.port));
  const named = new Map<string, WireRR>();
  if (headless) {
    for (const p of ep.ports) {
      const k = portKey(p.name, p.protocol);
      if (p.name !== '' && !named.has(k)) named.set(k, srv(`${k}.${base}`, w.named.get(k) ?? 1, p.port));
    }
  }
  return {
    key,
    node: nodeOf([...splitFamilies(glue), [RRType.SRV, ownSrv]], glue),
    glue,
    selfAddr: headless ? glue.map((r) => withOwner(r, base)) : [],
    selfSrv: headless ? ports.map((p) => srv(base, w.self, p.port)) : [],
    named,
  };
}

/** Per endpoint object (resolve.ts reuses them across builds): its distinct port count and named port keys. */
const facts = new WeakMap<ResolvedEndpoint, { distinct: number; named: readonly string[] }>();

function factsOf(ep: ResolvedEndpoint): { distinct: number; named: readonly string[] } {
  let f = facts.get(ep);
  if (!f) {
    const named = new Set(ep.ports.filter((p) => p.name !== '').map((p) => portKey(p.name, p.protocol)));
    facts.set(ep, (f = { distinct: distinctPorts(ep.ports).length, named: [...named] }));
  }
  return f;
}

function weightsOf(r: ResolvedService, headless: boolean): Weights {
  if (!headless) return { self: srvWeight(distinctPorts(r.ports).length), named: new Map() };
  let self = 0;
  const counts = new Map<string, number>();
  for (const ep of r.endpoints) {
    const f = factsOf(ep);
    self += f.distinct;
    for (const k of f.named) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const named = new Map<string, number>();
  for (const [k, n] of counts) named.set(k, srvWeight(n));
  return { self: srvWeight(self), named };
}

/** Everything the weights contribute to any piece of this build: equal signatures, equal weights. */
function weightsSig(w: Weights, headless: boolean): string {
  let s = `${headless ? 'h' : 'c'}${w.self}`;
  for (const [k, n] of w.named) s += ` ${k}=${n}`;
  return s;
}

function pieceKey(ep: ResolvedEndpoint, headless: boolean, w: Weights): string {
  const ports = ep.ports.map((p) => `${p.name}/${p.protocol}/${p.port}`).join(',');
  const weights = headless ? `${w.self}:${ep.ports.map((p) => w.named.get(portKey(p.name, p.protocol)) ?? 0).join(',')}` : '-';
  return `${ep.ips.join(',')}|${ports}|${weights}`;
}

/** The pieces of the previous build, with the endpoint object and weights each was made from. */
const madeFrom = new WeakMap<EndpointPiece, { ep: ResolvedEndpoint; wsig: string }>();

/** The same endpoint object under the same weights is the same piece, without building its key. */
function sameSource(piece: EndpointPiece, ep: ResolvedEndpoint, wsig: string): boolean {
  const from = madeFrom.get(piece);
  return from?.ep === ep && from.wsig === wsig;
}

/** The old piece when its data is equal (by key), else a new one; either way remembered as made from `ep`. */
function pieceOf(ep: ResolvedEndpoint, old: EndpointPiece | undefined, base: string, ttl: number, headless: boolean, w: Weights, wsig: string): EndpointPiece {
  const key = pieceKey(ep, headless, w);
  const piece = old?.key === key ? old : makePiece(ep, base, ttl, headless, w, key);
  madeFrom.set(piece, { ep, wsig });
  return piece;
}

/** Collects an SRV RRset and its glue. */
class SrvAcc {
  readonly srv: WireRR[] = [];
  readonly glue: WireRR[] = [];
  node(): NameNode {
    return nodeOf([[RRType.SRV, this.srv]], this.glue);
  }
}

interface ServiceSets { selfAddr: WireRR[]; self: SrvAcc; named: Map<string, SrvAcc> }

function accOf(named: Map<string, SrvAcc>, k: string): SrvAcc {
  let a = named.get(k);
  if (!a) named.set(k, (a = new SrvAcc()));
  return a;
}

/** Headless: the service's sets are the union of its endpoints' shares (plain loops: it runs per change, over every endpoint). */
function headlessSets(r: ResolvedService, pieces: ReadonlyMap<string, EndpointPiece>): ServiceSets {
  // One A/AAAA per distinct address (an IP may sit under two endpoint names).
  const seen = new Set<string>();
  const selfAddr: WireRR[] = [];
  for (const ep of r.endpoints) {
    const p = pieces.get(ep.label);
    for (let i = 0; i < ep.ips.length; i++) {
      const ip = ep.ips[i]!;
      const rr = p?.selfAddr[i];
      if (rr && !seen.has(ip)) { seen.add(ip); selfAddr.push(rr); }
    }
  }
  const self = new SrvAcc();
  const named = new Map<string, SrvAcc>();
  for (const p of pieces.values()) {
    if (p.selfSrv.length > 0) { pushAll(self.srv, p.selfSrv); pushAll(self.glue, p.glue); }
    for (const k of p.named.keys()) { const a = accOf(named, k); a.srv.push(p.named.get(k)!); pushAll(a.glue, p.glue); }
  }
  return { selfAddr, self, named };
}

function pushAll<T>(to: T[], from: readonly T[]): void {
  for (let i = 0; i < from.length; i++) to.push(from[i]!);
}

/** ClusterIP: addresses are the ClusterIPs; SRVs target the service name with the Service port (dns.md B.3). */
function clusterIPSets(r: ResolvedService, base: string, ttl: number, w: Weights): ServiceSets {
  const selfAddr = r.clusterIPs.map((ip) => addressRR(base, ttl, ip));
  const self = new SrvAcc();
  // Bare service SRV lists every port, named or not (CoreDNS extension; the kubia app uses it).
  for (const p of distinctPorts(r.ports)) self.srv.push(srvRR(base, ttl, 0, w.self, p.port, base));
  if (self.srv.length > 0) self.glue.push(...selfAddr);
  const named = new Map<string, SrvAcc>();
  for (const p of r.ports) {
    if (p.name === '') continue;
    const k = portKey(p.name, p.protocol);
    const a = accOf(named, k);
    a.srv.push(srvRR(`${k}.${base}`, ttl, 0, 100, p.port, base));
    a.glue.push(...selfAddr);
  }
  return { selfAddr, self, named };
}

function buildZone(r: ResolvedService, zone: string, ttl: number, prev: SvcZoneView | undefined): SvcZoneView {
  const base = `${r.name}.${r.ns}.svc.${zone}`;
  if (r.type === 'ExternalName') {
    return { self: nodeOf([[RRType.CNAME, [cnameRR(base, ttl, r.externalName)]]]), children: new Map(), pieces: new Map() };
  }
  const headless = r.type === 'Headless';
  const w = weightsOf(r, headless);
  const wsig = weightsSig(w, headless);
  const pieces = new Map<string, EndpointPiece>();
  // Endpoint names exist for ClusterIP services too (CoreDNS extension, dns.md B.3).
  const children = new Map<string, NameNode>();
  for (const ep of r.endpoints) {
    const old = prev?.pieces.get(ep.label);
    const piece = old !== undefined && sameSource(old, ep, wsig) ? old : pieceOf(ep, old, base, ttl, headless, w, wsig);
    pieces.set(ep.label, piece);
    children.set(ep.label, piece.node);
  }

  const { selfAddr, self, named } = headless ? headlessSets(r, pieces) : clusterIPSets(r, base, ttl, w);
  for (const [k, a] of named) {
    children.set(k, a.node());
    const proto = k.slice(k.indexOf('.') + 1);
    if (!children.has(proto)) children.set(proto, nodeOf([])); // empty non-terminal (RFC 8020)
  }
  return { self: nodeOf([...splitFamilies(selfAddr), [RRType.SRV, self.srv]], self.glue), children, pieces };
}

function countRecords(z: SvcZoneView): number {
  let n = 0;
  for (const node of [z.self, ...z.children.values()]) for (const rrs of node.sets.values()) n += rrs.length;
  return n;
}

/** An endpoint's own PTR entries (IP -> its name), per endpoint object, zone base and TTL. */
const ownPtr = new WeakMap<ResolvedEndpoint, { base: string; ttl: number; entries: ReadonlyArray<readonly [pk: string, entry: PtrEntry]> }>();

function ownPtrs(ep: ResolvedEndpoint, base: string, ttl: number, prev: SvcView | undefined): ReadonlyArray<readonly [string, PtrEntry]> {
  const m = ownPtr.get(ep);
  if (m?.base === base && m.ttl === ttl) return m.entries;
  const name = `${ep.label}.${base}`;
  const key = `e ${name}`;
  const entries = ep.ips.map((ip) => {
    const pk = ptrKey(ip);
    const old = prev?.ptr.get(pk);
    return [pk, old?.key === key ? old : { key, clusterIP: false, rrs: [ptrRR(reverseName(ip), ttl, name)] }] as const;
  });
  ownPtr.set(ep, { base, ttl, entries });
  return entries;
}

/**
 * PTRs for ClusterIPs and ready endpoint IPs, targets under the primary zone (dns.md B.3, B.10).
 * An endpoint IP owned by one endpoint takes that endpoint's memoised entry; an IP under
 * several names (or also a ClusterIP) goes through the general merge.
 */
function buildPtr(r: ResolvedService, cfg: BuildConfig, prev: SvcView | undefined): Map<string, PtrEntry> {
  const base = `${r.name}.${r.ns}.svc.${cfg.zones[0] ?? 'cluster.local'}`;
  const ptr = new Map<string, PtrEntry>();
  const key = `c ${base}`;
  for (const ip of r.clusterIPs) {
    const pk = ptrKey(ip);
    const old = prev?.ptr.get(pk);
    ptr.set(pk, old?.key === key ? old : { key, clusterIP: true, rrs: [ptrRR(reverseName(ip), cfg.ttl, base)] });
  }
  for (const ep of r.endpoints) {
    const own = ownPtrs(ep, base, cfg.ttl, prev);
    for (let i = 0; i < own.length; i++) {
      const [pk, entry] = own[i]!;
      // Taken already, by a ClusterIP or another endpoint's name.
      if (ptr.has(pk)) return mergedPtr(r, cfg, prev, base);
      ptr.set(pk, entry);
    }
  }
  return ptr;
}

/** The general case: ClusterIP matches win over endpoint matches; endpoint names sharing an IP merge. */
function mergedPtr(r: ResolvedService, cfg: BuildConfig, prev: SvcView | undefined, base: string): Map<string, PtrEntry> {
  const targets = new Map<string, { clusterIP: boolean; names: string[] }>();
  for (const ip of r.clusterIPs) targets.set(ip, { clusterIP: true, names: [base] });
  for (const ep of r.endpoints) {
    for (const ip of ep.ips) {
      const t = targets.get(ip);
      if (!t) targets.set(ip, { clusterIP: false, names: [`${ep.label}.${base}`] });
      else if (!t.clusterIP) t.names.push(`${ep.label}.${base}`);
    }
  }
  const ptr = new Map<string, PtrEntry>();
  for (const [ip, t] of targets) {
    const key = `${t.clusterIP ? 'c' : 'e'} ${t.names.join(' ')}`;
    const pk = ptrKey(ip);
    const old = prev?.ptr.get(pk);
    ptr.set(pk, old?.key === key ? old : { key, clusterIP: t.clusterIP, rrs: t.names.map((n) => ptrRR(reverseName(ip), cfg.ttl, n)) });
  }
  return ptr;
}

export function buildService(r: ResolvedService, cfg: BuildConfig, from: ResolvedService, prev?: SvcView): SvcView {
  const usable = r.type !== 'ExternalName' || (r.externalName !== '' && isEncodableName(r.externalName));
  const exists = usable && (r.type !== 'Headless' || r.endpoints.length > 0);
  const byZone = exists ? cfg.zones.map((z, i) => buildZone(r, z, cfg.ttl, prev?.byZone[i])) : [];
  const ptr = exists && cfg.reverse && r.type !== 'ExternalName' ? buildPtr(r, cfg, prev) : new Map<string, PtrEntry>();
  const first = byZone[0];
  return {
    ns: r.ns, name: r.name, kind: r.type, exists,
    cname: r.type === 'ExternalName' ? r.externalName : '',
    byZone, ptr, from,
    names: first ? 1 + first.children.size : 0,
    records: (first ? countRecords(first) : 0) + ptr.size,
  };
}
