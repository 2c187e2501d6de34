/**
 * @module The zone <-> dns contract. The zone side is pure: `lookup(snapshot, ...)` returns
 * pre-encoded resource records; the dns side only writes owner names (with compression)
 * and copies each record's `tail` verbatim.
 */

/** RR TYPE values (RFC 1035 §3.2.2, RFC 3596, RFC 2782, RFC 6891, RFC 1995). */
export const RRType = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, IXFR: 251, AXFR: 252, ANY: 255,
} as const;

/** CLASS values (RFC 1035 §3.2.4; QCLASS ANY §3.2.5). */
export const RRClass = { IN: 1, CH: 3, ANY: 255 } as const;

/** RCODE values (RFC 1035 §4.1.1). */
export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** A resource record encoded once per zone change. */
export interface WireRR {
  /** Lowercase, no trailing dot. */
  readonly owner: string;
  readonly type: number;
  /** TYPE(2) CLASS(2) TTL(4) RDLENGTH(2) RDATA, network order; names inside RDATA uncompressed. */
  readonly tail: Uint8Array;
}

export interface LookupResult {
  readonly rcode: number;
  readonly aa: boolean;
  readonly answer: readonly WireRR[];
  readonly authority: readonly WireRR[];
  readonly additional: readonly WireRR[];
}

/**
 * An immutable view of the zone at one instant. `version` increases on every change;
 * the dns layer keys its answer cache on it. The remaining fields are for `lookup`.
 */
export interface ZoneSnapshot {
  readonly version: number;
}

export interface ZoneSource {
  current(): ZoneSnapshot;
  onChange?(fn: (snap: ZoneSnapshot) => void): void;
}

/** CoreDNS `pods` option (dns.md B.1): `<a-b-c-d>.<ns>.pod.<zone>` records off, for any IP, or for live pods' IPs. */
export type PodsMode = 'disabled' | 'insecure' | 'verified';
export const PODS_MODES: readonly PodsMode[] = ['disabled', 'insecure', 'verified'];

export interface ZoneConfig {
  /** Forward zones, lowercase, no trailing dot; zones[0] is the primary (default ['cluster.local']). */
  zones: string[];
  /** Reverse zones, e.g. ['in-addr.arpa', 'ip6.arpa'] (default: none). */
  reverseZones: string[];
  /** Record TTL in seconds (default 5). */
  ttl: number;
  endpointsFrom: 'pods' | 'endpointslices';
  /** IPs for the ns.dns.<zone> glue (the DNS listen address). */
  nsAddresses: string[];
  /** Pod records (default 'disabled', as CoreDNS). */
  pods?: PodsMode;
  /**
   * Negative TTL (seconds, at most `ttl`) of NXDOMAIN for names a pod or StatefulSet is about to
   * carry (zone/expected.ts). Undefined: no such rule, every NXDOMAIN uses the zone's SOA.
   */
  expectedNegativeTtl?: number;
}

export const DEFAULT_ZONE_CONFIG: Readonly<ZoneConfig> = {
  zones: ['cluster.local'],
  reverseZones: [],
  ttl: 5,
  endpointsFrom: 'pods',
  nsAddresses: [],
};
