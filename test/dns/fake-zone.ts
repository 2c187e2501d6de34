// A hand-built zone for the dns tests: enough of lookup's behaviour (answers, CNAME,
// SRV glue, NODATA/NXDOMAIN with SOA) to exercise the wire layer without src/zone.
import { isIPv6 } from 'node:net';
import type { LookupResult, WireRR, ZoneSnapshot, ZoneSource } from '../../src/zone/types.ts';
import { RRType, Rcode } from '../../src/zone/types.ts';

export function wireName(name: string): Buffer {
  const parts = name === '' ? [] : name.split('.');
  return Buffer.concat([...parts.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

function tail(type: number, ttl: number, rdata: Buffer): Uint8Array {
  const h = Buffer.alloc(10);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(1, 2);
  h.writeUInt32BE(ttl, 4);
  h.writeUInt16BE(rdata.length, 8);
  return new Uint8Array(Buffer.concat([h, rdata]));
}

function ipBytes(ip: string): Buffer {
  if (!isIPv6(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head, tailPart] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tailPart ? tailPart.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

export const rr = {
  a: (owner: string, ip: string, ttl = 5): WireRR => ({ owner, type: RRType.A, tail: tail(RRType.A, ttl, ipBytes(ip)) }),
  aaaa: (owner: string, ip: string, ttl = 5): WireRR => ({ owner, type: RRType.AAAA, tail: tail(RRType.AAAA, ttl, ipBytes(ip)) }),
  cname: (owner: string, target: string, ttl = 5): WireRR => ({ owner, type: RRType.CNAME, tail: tail(RRType.CNAME, ttl, wireName(target)) }),
  ptr: (owner: string, target: string, ttl = 5): WireRR => ({ owner, type: RRType.PTR, tail: tail(RRType.PTR, ttl, wireName(target)) }),
  txt: (owner: string, text: string, ttl = 5): WireRR => ({ owner, type: RRType.TXT, tail: tail(RRType.TXT, ttl, Buffer.concat([Buffer.from([text.length]), Buffer.from(text)])) }),
  srv: (owner: string, port: number, target: string, weight = 100, ttl = 5): WireRR => {
    const fixed = Buffer.alloc(6);
    fixed.writeUInt16BE(0, 0);
    fixed.writeUInt16BE(weight, 2);
    fixed.writeUInt16BE(port, 4);
    return { owner, type: RRType.SRV, tail: tail(RRType.SRV, ttl, Buffer.concat([fixed, wireName(target)])) };
  },
  soa: (zone: string, ttl = 5): WireRR => {
    const nums = Buffer.alloc(20);
    [1, 7200, 1800, 86400, 5].forEach((n, i) => nums.writeUInt32BE(n, i * 4));
    return { owner: zone, type: RRType.SOA, tail: tail(RRType.SOA, ttl, Buffer.concat([wireName(`ns.dns.${zone}`), wireName(`hostmaster.${zone}`), nums])) };
  },
};

export interface FakeSnapshot extends ZoneSnapshot {
  readonly zone: string;
  readonly records: readonly WireRR[];
}

export function snapshot(records: WireRR[], version = 1, zone = 'cluster.local'): FakeSnapshot {
  return { version, zone, records };
}

export function fakeLookup(snap: ZoneSnapshot, qname: string, qtype: number, _qclass: number): LookupResult {
  const s = snap as FakeSnapshot;
  const zone = [s.zone, 'in-addr.arpa'].find((z) => qname === z || qname.endsWith('.' + z));
  if (zone === undefined) return { rcode: Rcode.REFUSED, aa: false, answer: [], authority: [], additional: [] };
  const soa = rr.soa(zone);
  const here = s.records.filter((r) => r.owner === qname);
  if (here.length === 0 && qname !== zone) return { rcode: Rcode.NXDOMAIN, aa: true, answer: [], authority: [soa], additional: [] };
  const cname = here.filter((r) => r.type === RRType.CNAME);
  const answer = qtype === RRType.SOA && qname === zone ? [soa] : cname.length && qtype !== RRType.CNAME ? cname : here.filter((r) => r.type === qtype);
  if (answer.length === 0) return { rcode: Rcode.NOERROR, aa: true, answer: [], authority: [soa], additional: [] };
  const additional = qtype === RRType.SRV
    ? answer.flatMap((r) => {
      const target = readName(r.tail, 16);
      return s.records.filter((g) => g.owner === target && (g.type === RRType.A || g.type === RRType.AAAA));
    })
    : [];
  return { rcode: Rcode.NOERROR, aa: true, answer, authority: [], additional };
}

function readName(b: Uint8Array, off: number): string {
  const labels: string[] = [];
  for (let p = off; b[p]! !== 0; p += b[p]! + 1) labels.push(Buffer.from(b.subarray(p + 1, p + 1 + b[p]!)).toString('latin1'));
  return labels.join('.');
}

/** A mutable source, so tests can swap snapshots. */
export function fakeSource(snap: ZoneSnapshot): ZoneSource & { set(s: ZoneSnapshot): void } {
  let cur = snap;
  return { current: () => cur, set: (s) => { cur = s; } };
}

/** The demo zone used by most tests: a headless service, a ClusterIP service, ExternalName, PTR, TXT. */
export function demoRecords(pods = 3): WireRR[] {
  const out: WireRR[] = [rr.txt('dns-version.cluster.local', '1.1.0', 28800)];
  for (let i = 0; i < pods; i++) {
    const host = `web-${i}.nginx.default.svc.cluster.local`;
    const ip = `10.244.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    out.push(rr.a(host, ip), rr.a('nginx.default.svc.cluster.local', ip));
    out.push(rr.srv('_http._tcp.nginx.default.svc.cluster.local', 80, host, Math.max(1, Math.floor(100 / pods))));
    out.push(rr.ptr(ip.split('.').reverse().join('.') + '.in-addr.arpa', host));
  }
  out.push(rr.aaaa('web-0.nginx.default.svc.cluster.local', 'fd00::1'));
  out.push(rr.a('api.default.svc.cluster.local', '10.96.0.10'));
  out.push(rr.cname('ext.default.svc.cluster.local', 'example.com'));
  return out;
}
