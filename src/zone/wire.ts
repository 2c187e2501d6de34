/**
 * @module Encoders for the `tail` of a WireRR (RFC 1035 §3.2.1: TYPE CLASS TTL RDLENGTH RDATA)
 * and the address helpers the zone needs: IP parsing, dashed endpoint names, reverse names.
 * Names inside RDATA are written uncompressed; the dns layer owns compression.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { RRClass, RRType, type WireRR } from './types.ts';

/** Encode a domain name (lowercase, no trailing dot; '' is the root) as uncompressed labels. */
export function encodeName(name: string): Uint8Array {
  if (name === '') return Uint8Array.of(0);
  // Fast path for ASCII (every Kubernetes name): one allocation, no per-label buffers.
  if (!/[^\x00-\x7f]/.test(name)) {
    const out = new Uint8Array(name.length + 2);
    let lenAt = 0, n = 0;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c === 46) { checkLabel(n, name); out[lenAt] = n; lenAt = i + 1; n = 0; } else { out[i + 1] = c; n++; }
    }
    checkLabel(n, name);
    out[lenAt] = n;
    if (out.length > 255) throw new Error(`DNS name longer than 255 octets: ${name}`);
    return out;
  }
  const parts = name.split('.').map((l) => Buffer.from(l));
  const out = new Uint8Array(parts.reduce((n, b) => n + b.length + 1, 1));
  let o = 0;
  for (const b of parts) {
    checkLabel(b.length, name);
    out[o++] = b.length;
    out.set(b, o);
    o += b.length;
  }
  if (out.length > 255) throw new Error(`DNS name longer than 255 octets: ${name}`);
  return out;
}

/** RFC 1035 §2.3.4: labels 1..63 octets, names at most 255 octets on the wire. */
function checkLabel(n: number, name: string): void {
  if (n === 0 || n > 63) throw new Error(`invalid DNS label in ${JSON.stringify(name)}`);
}

/** True when `name` can be encoded (used to drop records built from odd user input). */
export function isEncodableName(name: string): boolean {
  try {
    encodeName(name);
    return true;
  } catch {
    return false;
  }
}

function rr(owner: string, type: number, ttl: number, rdata: Uint8Array): WireRR {
  const tail = new Uint8Array(10 + rdata.length);
  const t = ttl >>> 0;
  tail[0] = type >> 8; tail[1] = type & 0xff;
  tail[2] = 0; tail[3] = RRClass.IN;
  tail[4] = t >>> 24; tail[5] = (t >> 16) & 0xff; tail[6] = (t >> 8) & 0xff; tail[7] = t & 0xff;
  tail[8] = rdata.length >> 8; tail[9] = rdata.length & 0xff;
  tail.set(rdata, 10);
  return { owner, type, tail };
}

/** The same record under another owner name; the tail is shared, not copied. */
export function withOwner(r: WireRR, owner: string): WireRR {
  return { owner, type: r.type, tail: r.tail };
}

export function aRR(owner: string, ttl: number, ip: string): WireRR {
  return rr(owner, RRType.A, ttl, parseIPv4(ip));
}

export function aaaaRR(owner: string, ttl: number, ip: string): WireRR {
  return rr(owner, RRType.AAAA, ttl, parseIPv6(ip));
}

/** A or AAAA by address family. */
export function addressRR(owner: string, ttl: number, ip: string): WireRR {
  return isIPv4(ip) ? aRR(owner, ttl, ip) : aaaaRR(owner, ttl, ip);
}

/** RFC 2782 SRV; the target starts at tail offset 16 (10 + priority/weight/port). */
export function srvRR(owner: string, ttl: number, priority: number, weight: number, port: number, target: string): WireRR {
  const t = encodeName(target);
  const rdata = new Uint8Array(6 + t.length);
  const v = new DataView(rdata.buffer);
  v.setUint16(0, priority);
  v.setUint16(2, weight);
  v.setUint16(4, port);
  rdata.set(t, 6);
  return rr(owner, RRType.SRV, ttl, rdata);
}

export function cnameRR(owner: string, ttl: number, target: string): WireRR {
  return rr(owner, RRType.CNAME, ttl, encodeName(target));
}

export function ptrRR(owner: string, ttl: number, target: string): WireRR {
  return rr(owner, RRType.PTR, ttl, encodeName(target));
}

export function nsRR(owner: string, ttl: number, target: string): WireRR {
  return rr(owner, RRType.NS, ttl, encodeName(target));
}

export interface SoaFields {
  mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number;
}

export function soaRR(owner: string, ttl: number, f: SoaFields): WireRR {
  const m = encodeName(f.mname);
  const r = encodeName(f.rname);
  const rdata = new Uint8Array(m.length + r.length + 20);
  rdata.set(m, 0);
  rdata.set(r, m.length);
  const v = new DataView(rdata.buffer, m.length + r.length);
  [f.serial, f.refresh, f.retry, f.expire, f.minimum].forEach((n, i) => v.setUint32(i * 4, n >>> 0));
  return rr(owner, RRType.SOA, ttl, rdata);
}

/** TXT with each string as one <character-string> (RFC 1035 §3.3.14), at most 255 octets each. */
export function txtRR(owner: string, ttl: number, strings: readonly string[]): WireRR {
  const parts = strings.map((s) => Buffer.from(s));
  const rdata = new Uint8Array(parts.reduce((n, p) => n + 1 + Math.min(p.length, 255), 0));
  let o = 0;
  for (const p of parts) {
    const b = p.subarray(0, 255);
    rdata[o++] = b.length;
    rdata.set(b, o);
    o += b.length;
  }
  return rr(owner, RRType.TXT, ttl, rdata);
}

/** Four octets of a dotted-quad IPv4 address. */
export function parseIPv4(ip: string): Uint8Array {
  if (!isIPv4(ip)) throw new Error(`not an IPv4 address: ${ip}`);
  const out = new Uint8Array(4);
  let i = 0, v = 0;
  for (let k = 0; k < ip.length; k++) {
    const c = ip.charCodeAt(k);
    if (c === 46) { out[i++] = v; v = 0; } else v = v * 10 + c - 48;
  }
  out[i] = v;
  return out;
}

/** Sixteen octets of an IPv6 address (any textual form, incl. embedded IPv4). */
export function parseIPv6(ip: string): Uint8Array {
  if (!isIPv6(ip)) throw new Error(`not an IPv6 address: ${ip}`);
  let text = ip.split('%')[0] ?? ip;
  const tailV4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tailV4?.[1]) {
    const b = parseIPv4(tailV4[1]);
    const hex = (n: number): string => n.toString(16);
    text = text.slice(0, -tailV4[1].length) + `${hex(((b[0] ?? 0) << 8) | (b[1] ?? 0))}:${hex(((b[2] ?? 0) << 8) | (b[3] ?? 0))}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

/** RFC 5952 canonical text of an IPv6 address: lowercase, longest zero run (> 1 group) as '::'. */
export function canonicalIPv6(ip: string): string {
  const b = parseIPv6(ip);
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[i * 2] ?? 0) << 8) | (b[i * 2 + 1] ?? 0));
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** The canonical text of an IP (IPv4 as is, IPv6 per RFC 5952), or undefined if not an IP. */
export function canonicalIP(ip: string): string | undefined {
  if (isIPv4(ip)) return ip;
  if (isIPv6(ip)) return canonicalIPv6(ip);
  return undefined;
}

/**
 * The system-assigned endpoint label CoreDNS uses (dns.md B.4): IPv4 dots become dashes; IPv6
 * colons become dashes and a trailing dash gets a '0' so the label does not end in '-'.
 */
export function dashedIP(ip: string): string {
  if (isIPv4(ip)) return ip.replaceAll('.', '-');
  const d = canonicalIPv6(ip).replaceAll(':', '-');
  return d.endsWith('-') ? `${d}0` : d;
}

/** `d.c.b.a.in-addr.arpa` (RFC 1035 §3.5) or the 32-nibble `ip6.arpa` name (RFC 3596 §2.5). */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const b = parseIPv6(ip);
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) {
    const x = b[i] ?? 0;
    nibbles.push((x & 0xf).toString(16), (x >> 4).toString(16));
  }
  return `${nibbles.join('.')}.ip6.arpa`;
}

/**
 * The address a complete reverse name stands for (canonical text), or undefined when the
 * name is partial or malformed. Labels must be in canonical form (decimal without leading
 * zeros, single lowercase hex nibbles) so each address has exactly one reverse name.
 */
export function ipFromReverse(name: string): string | undefined {
  if (name.endsWith('.in-addr.arpa')) {
    const l = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (l.length !== 4 || !l.every((x) => /^(0|[1-9]\d{0,2})$/.test(x) && Number(x) < 256)) return undefined;
    return l.reverse().join('.');
  }
  if (name.endsWith('.ip6.arpa')) {
    const l = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (l.length !== 32 || !l.every((x) => /^[0-9a-f]$/.test(x))) return undefined;
    const hex = l.reverse().join('');
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4));
    return canonicalIPv6(groups.join(':'));
  }
  return undefined;
}

/**
 * The key of an address in the reverse index: IPv4 dotted decimal, IPv6 as 32 lowercase hex
 * nibbles. Both read in the order of the reverse name's labels from the zone down, so every
 * reverse name (full or partial) is a key prefix.
 */
export function ptrKey(ip: string): string {
  if (isIPv4(ip)) return ip;
  return [...parseIPv6(ip)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export type ReverseQuery =
  | { readonly kind: 'full'; readonly key: string }
  | { readonly kind: 'partial'; readonly v6: boolean; readonly prefix: string; readonly depth: number };

/**
 * Parse a name under in-addr.arpa / ip6.arpa into an index key (complete address) or a key
 * prefix (partial name). Labels must be canonical (decimal 0-255 without leading zeros; single
 * lowercase hex nibbles) so each address has exactly one reverse name; otherwise undefined.
 */
export function parseReverse(name: string): ReverseQuery | undefined {
  if (name === 'in-addr.arpa' || name.endsWith('.in-addr.arpa')) return reverseV4(labelsBelow(name, 'in-addr.arpa'));
  if (name === 'ip6.arpa' || name.endsWith('.ip6.arpa')) return reverseV6(labelsBelow(name, 'ip6.arpa'));
  return undefined;
}

/** Labels left of `suffix`, in zone-down order (the address's own order). */
function labelsBelow(name: string, suffix: string): string[] {
  return name === suffix ? [] : name.slice(0, -suffix.length - 1).split('.').reverse();
}

function reverseV4(labels: string[]): ReverseQuery | undefined {
  if (labels.length > 4 || !labels.every((x) => /^(0|[1-9]\d{0,2})$/.test(x) && Number(x) < 256)) return undefined;
  const key = labels.join('.');
  return labels.length === 4 ? { kind: 'full', key } : { kind: 'partial', v6: false, prefix: key, depth: labels.length };
}

function reverseV6(labels: string[]): ReverseQuery | undefined {
  if (labels.length > 32 || !labels.every((x) => /^[0-9a-f]$/.test(x))) return undefined;
  const key = labels.join('');
  return labels.length === 32 ? { kind: 'full', key } : { kind: 'partial', v6: true, prefix: key, depth: labels.length };
}
