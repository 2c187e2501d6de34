/**
 * @module The immutable zone snapshot and its per-apex records. A snapshot is a tree of
 * read-only maps: namespaces -> services -> per-zone prebuilt RRsets. A change replaces only
 * the maps on the path to the services it touched, so consecutive snapshots share everything
 * else (dns.md style anchor: "swap in a new immutable zone").
 */
import type { ExpectedIndex } from './expected.ts';
import type { PodIPIndex } from './pod-names.ts';
import type { ServiceType } from './records.ts';
import type { ResolvedService } from './resolve.ts';
import { RRType, type PodsMode, type WireRR, type ZoneConfig, type ZoneSnapshot } from './types.ts';
import { addressRR, nsRR, soaRR, txtRR } from './wire.ts';

/** The RRsets owned by one name, plus the glue an SRV answer from it carries. */
export interface NameNode {
  readonly sets: ReadonlyMap<number, readonly WireRR[]>;
  /** A/AAAA of SRV targets (RFC 2782: "may" go in the additional section). */
  readonly extra: readonly WireRR[];
}

export const EMPTY_NODE: NameNode = Object.freeze({ sets: new Map<number, readonly WireRR[]>(), extra: [] });

/** A service's names under one forward zone. */
export interface SvcZoneView {
  /** `<svc>.<ns>.svc.<zone>` */
  readonly self: NameNode;
  /** Keyed by the labels left of the service name: `web-0`, `_http._tcp`, `_tcp` (empty non-terminal). */
  readonly children: ReadonlyMap<string, NameNode>;
  /** Per endpoint label: its records, reused by the next build while `key` is unchanged. */
  readonly pieces: ReadonlyMap<string, EndpointPiece>;
}

/** One endpoint's records under one zone. */
export interface EndpointPiece {
  /** Identity of the data the piece was built from (addresses, ports, SRV weights). */
  readonly key: string;
  /** `<label>.<svc>...`: A/AAAA and SRVs targeting itself; extra = its A/AAAA. */
  readonly node: NameNode;
  readonly glue: readonly WireRR[];
  /** Headless only: its A/AAAA under the service name, in the order of its IPs. */
  readonly selfAddr: readonly WireRR[];
  /** Headless only: its SRVs under the service name. */
  readonly selfSrv: readonly WireRR[];
  /** Headless only: its SRV under each `_<port>._<proto>` name. */
  readonly named: ReadonlyMap<string, WireRR>;
}

export interface PtrEntry {
  /** Identity of the targets, to reuse the entry across builds. */
  readonly key: string;
  /** ClusterIP matches win over endpoint matches (CoreDNS semantics, dns.md B.3). */
  readonly clusterIP: boolean;
  readonly rrs: readonly WireRR[];
}

export interface SvcView {
  readonly ns: string;
  readonly name: string;
  readonly kind: ServiceType;
  /** False for a headless service without ready endpoints: its whole subtree is NXDOMAIN (spec §2.4). */
  readonly exists: boolean;
  /** ExternalName target (lowercase, no trailing dot), '' otherwise. */
  readonly cname: string;
  /** Indexed like ZoneConfig.zones. */
  readonly byZone: readonly SvcZoneView[];
  /** Reverse records by ptrKey (wire.ts); empty unless reverse zones are served. */
  readonly ptr: ReadonlyMap<string, PtrEntry>;
  /** The resolution these records were built from; one equal to it (resolve.ts sameResolved) builds the same records. */
  readonly from: ResolvedService;
  readonly names: number;
  readonly records: number;
}

export interface Apex {
  readonly name: string;
  readonly reverse: boolean;
  readonly soa: WireRR;
  /** Forward zones with the expected-name rule: the SOA of NXDOMAIN for expected names (zone/expected.ts). */
  readonly soaExpected?: WireRR;
  readonly ns: readonly WireRR[];
  readonly nsGlue: readonly WireRR[];
}

export interface Snapshot extends ZoneSnapshot {
  readonly version: number;
  readonly serial: number;
  /**
   * True when `serial` was minted after the last change to the records (serial.ts): only
   * sealed snapshots are transferred, so one serial always names one set of records.
   */
  readonly sealed: boolean;
  readonly synced: boolean;
  readonly ttl: number;
  readonly forward: readonly Apex[];
  readonly reverse: readonly Apex[];
  /** `dns-version.<zone>` TXT per forward zone. */
  readonly versionTxt: readonly WireRR[];
  /** `ns.dns.<zone>` A/AAAA per forward zone. */
  readonly nsHost: readonly NameNode[];
  /** A namespace is present when its Namespace object exists or any Service lives in it. */
  readonly namespaces: ReadonlyMap<string, ReadonlyMap<string, SvcView>>;
  /** Shard (ptrShard) -> ptrKey -> `ns/name` of the services with a PTR for that address. */
  readonly ptrIndex: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
  /** `pod.<zone>` records (zone/pod-names.ts); podIPs is filled only in `verified` mode. */
  readonly pods: PodsMode;
  readonly podIPs: PodIPIndex;
  /** Names about to appear (zone/expected.ts); empty when the rule is off. */
  readonly expected: ExpectedIndex;
}

/** Reverse-index shard of a ptrKey: its /24 (IPv4) or /64 (IPv6), so partial reverse names
 * deeper than that resolve inside one shard and shallower ones scan only the shard keys. */
export function ptrShard(key: string): string {
  if (key.length === 32 && !key.includes('.')) return key.slice(0, 16);
  return key.slice(0, key.lastIndexOf('.'));
}

/** SOA RR TTL = min(ttl, 300) and MINIMUM = ttl, like CoreDNS (dns.md B.1, F), so negatives stay short. */
export function buildApexes(cfg: ZoneConfig, serial: number): { forward: Apex[]; reverse: Apex[]; versionTxt: WireRR[]; nsHost: NameNode[] } {
  const primary = cfg.zones[0] ?? 'cluster.local';
  const apex = (name: string, reverse: boolean): Apex => {
    // Reverse zones name the server under the primary zone, where ns.dns actually resolves.
    const host = reverse ? primary : name;
    const mname = `ns.dns.${host}`;
    const soa = (ttl: number, minimum: number): WireRR => soaRR(name, ttl, {
      mname, rname: `hostmaster.${host}`, serial, refresh: 7200, retry: 1800, expire: 86400, minimum,
    });
    // RFC 2308 §5: the negative TTL is min(SOA TTL, MINIMUM), so an expected name sets both.
    const exp = cfg.expectedNegativeTtl;
    return {
      name, reverse,
      soa: soa(Math.min(cfg.ttl, 300), cfg.ttl),
      ...(exp !== undefined && !reverse ? { soaExpected: soa(exp, exp) } : {}),
      ns: [nsRR(name, cfg.ttl, mname)],
      nsGlue: cfg.nsAddresses.map((ip) => addressRR(mname, cfg.ttl, ip)),
    };
  };
  const nsHost = cfg.zones.map((z): NameNode => {
    const rrs = cfg.nsAddresses.map((ip) => addressRR(`ns.dns.${z}`, cfg.ttl, ip));
    const sets = new Map<number, WireRR[]>();
    for (const r of rrs) sets.set(r.type, [...(sets.get(r.type) ?? []), r]);
    return { sets, extra: [] };
  });
  return {
    forward: cfg.zones.map((z) => apex(z, false)),
    reverse: cfg.reverseZones.map((z) => apex(z, true)),
    // Schema version record (spec §2.2); CoreDNS serves it with TTL 28800.
    versionTxt: cfg.zones.map((z) => txtRR(`dns-version.${z}`, 28800, ['1.1.0'])),
    nsHost,
  };
}

export function nodeOf(sets: Iterable<readonly [number, readonly WireRR[]]>, extra: readonly WireRR[] = []): NameNode {
  const m = new Map<number, readonly WireRR[]>();
  for (const [t, rrs] of sets) if (rrs.length > 0) m.set(t, rrs);
  return { sets: m, extra };
}

export const ADDRESS_TYPES: readonly number[] = [RRType.A, RRType.AAAA];
