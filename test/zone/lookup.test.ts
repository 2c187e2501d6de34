/**
 * The lookup table: every record form and negative case of the spec (dns.md A, B.2-B.10), run
 * against both endpoint sources, which must publish the same zone for the same cluster.
 */
import { describe, expect, it } from 'vitest';
import { lookup } from '../../src/zone/lookup.ts';
import { RRClass, RRType, Rcode } from '../../src/zone/types.ts';
import { cluster } from './cluster.ts';
import { showResult } from './rr.ts';

const { A, AAAA, SRV, CNAME, PTR, SOA, NS, TXT, ANY, AXFR, IXFR, MX } = RRType;
const D = 'default.svc.cluster.local';
// The snapshot is open (not sealed, zone/serial.ts): it carries the initial serial, NOW in seconds.
const SERIAL = 1000000000;
const soa = (z: string): string => `${z}. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. ${SERIAL} 7200 1800 86400 5`;
const Z = soa('cluster.local');
const R4 = soa('in-addr.arpa');
const R6 = soa('ip6.arpa');
const nib = (hex32: string): string => `${hex32.split('').reverse().join('.')}.ip6.arpa`;

interface Row {
  name: string; qname: string; qtype: number; qclass?: number; rcode: number; aa?: boolean;
  answer?: string[]; authority?: string[]; additional?: string[];
}

const rows: Row[] = [
  // Headless service (spec §2.4)
  { name: 'headless A: every ready endpoint', qname: `kubia.${D}`, qtype: A, rcode: 0, answer: [`kubia.${D}. 5 IN A 10.244.1.10`, `kubia.${D}. 5 IN A 10.244.1.11`] },
  { name: 'headless AAAA without v6 endpoints: NODATA', qname: `kubia.${D}`, qtype: AAAA, rcode: 0, authority: [Z] },
  { name: 'endpoint hostname A', qname: `kubia-0.kubia.${D}`, qtype: A, rcode: 0, answer: [`kubia-0.kubia.${D}. 5 IN A 10.244.1.10`] },
  { name: 'not-ready endpoint: NXDOMAIN', qname: `kubia-2.kubia.${D}`, qtype: A, rcode: 3, authority: [Z] },
  {
    name: 'named-port SRV on headless: endpoint targets, targetPort, glue', qname: `_http._tcp.kubia.${D}`, qtype: SRV, rcode: 0,
    answer: [`_http._tcp.kubia.${D}. 5 IN SRV 0 50 8080 kubia-0.kubia.${D}.`, `_http._tcp.kubia.${D}. 5 IN SRV 0 50 8080 kubia-1.kubia.${D}.`],
    additional: [`kubia-0.kubia.${D}. 5 IN A 10.244.1.10`, `kubia-1.kubia.${D}. 5 IN A 10.244.1.11`],
  },
  {
    name: 'bare SRV on headless (the kubia app query)', qname: `kubia.${D}`, qtype: SRV, rcode: 0,
    answer: [`kubia.${D}. 5 IN SRV 0 50 8080 kubia-0.kubia.${D}.`, `kubia.${D}. 5 IN SRV 0 50 8080 kubia-1.kubia.${D}.`],
    additional: [`kubia-0.kubia.${D}. 5 IN A 10.244.1.10`, `kubia-1.kubia.${D}. 5 IN A 10.244.1.11`],
  },
  {
    name: 'SRV on an endpoint name targets that endpoint', qname: `kubia-0.kubia.${D}`, qtype: SRV, rcode: 0,
    answer: [`kubia-0.kubia.${D}. 5 IN SRV 0 100 8080 kubia-0.kubia.${D}.`], additional: [`kubia-0.kubia.${D}. 5 IN A 10.244.1.10`],
  },
  { name: 'wrong protocol: NXDOMAIN', qname: `_http._udp.kubia.${D}`, qtype: SRV, rcode: 3, authority: [Z] },
  { name: '_tcp is an empty non-terminal: NODATA', qname: `_tcp.kubia.${D}`, qtype: A, rcode: 0, authority: [Z] },
  { name: '_udp does not exist', qname: `_udp.kubia.${D}`, qtype: SRV, rcode: 3, authority: [Z] },
  { name: 'labels without underscores are no wildcard (Q6)', qname: `http.tcp.kubia.${D}`, qtype: SRV, rcode: 3, authority: [Z] },
  { name: '_ is no wildcard (Q6)', qname: `_._tcp.kubia.${D}`, qtype: SRV, rcode: 3, authority: [Z] },
  { name: 'too many labels', qname: `a.b.c.kubia-0.kubia.${D}`, qtype: A, rcode: 3, authority: [Z] },
  { name: 'headless without ready endpoints: NXDOMAIN', qname: `empty-hl.${D}`, qtype: A, rcode: 3, authority: [Z] },
  { name: 'headless without ready endpoints: NXDOMAIN for SRV too', qname: `_http._tcp.empty-hl.${D}`, qtype: SRV, rcode: 3, authority: [Z] },
  { name: 'publishNotReadyAddresses publishes a not-ready pod', qname: `pna.${D}`, qtype: A, rcode: 0, answer: [`pna.${D}. 5 IN A 10.244.4.1`] },
  { name: 'hostless endpoint: dashed IPv4 name', qname: `10-244-4-1.pna.${D}`, qtype: A, rcode: 0, answer: [`10-244-4-1.pna.${D}. 5 IN A 10.244.4.1`] },
  // Dual stack
  {
    name: 'dual-stack headless A', qname: `ds.${D}`, qtype: A, rcode: 0,
    answer: [`ds.${D}. 5 IN A 10.244.3.2`, `ds.${D}. 5 IN A 10.244.3.1`],
  },
  {
    name: 'dual-stack headless AAAA', qname: `ds.${D}`, qtype: AAAA, rcode: 0,
    answer: [`ds.${D}. 5 IN AAAA fd00:0:0:0:0:0:3:1`, `ds.${D}. 5 IN AAAA fd00:1:0:0:0:0:0:0`],
  },
  { name: 'one hostname, both families: A', qname: `ds-0.ds.${D}`, qtype: A, rcode: 0, answer: [`ds-0.ds.${D}. 5 IN A 10.244.3.1`] },
  { name: 'one hostname, both families: AAAA', qname: `ds-0.ds.${D}`, qtype: AAAA, rcode: 0, answer: [`ds-0.ds.${D}. 5 IN AAAA fd00:0:0:0:0:0:3:1`] },
  { name: 'dashed IPv6 with trailing 0 (B.4)', qname: `fd00-1--0.ds.${D}`, qtype: AAAA, rcode: 0, answer: [`fd00-1--0.ds.${D}. 5 IN AAAA fd00:1:0:0:0:0:0:0`] },
  { name: 'dashed IPv6 name has no A: NODATA', qname: `fd00-1--0.ds.${D}`, qtype: A, rcode: 0, authority: [Z] },
  {
    name: 'dual-stack SRV: one per endpoint name', qname: `_http._tcp.ds.${D}`, qtype: SRV, rcode: 0,
    answer: [`_http._tcp.ds.${D}. 5 IN SRV 0 33 80 10-244-3-2.ds.${D}.`, `_http._tcp.ds.${D}. 5 IN SRV 0 33 80 ds-0.ds.${D}.`, `_http._tcp.ds.${D}. 5 IN SRV 0 33 80 fd00-1--0.ds.${D}.`],
    additional: [`10-244-3-2.ds.${D}. 5 IN A 10.244.3.2`, `ds-0.ds.${D}. 5 IN A 10.244.3.1`, `ds-0.ds.${D}. 5 IN AAAA fd00:0:0:0:0:0:3:1`, `fd00-1--0.ds.${D}. 5 IN AAAA fd00:1:0:0:0:0:0:0`],
  },
  // ClusterIP service (spec §2.3)
  { name: 'ClusterIP A', qname: `web.${D}`, qtype: A, rcode: 0, answer: [`web.${D}. 5 IN A 10.96.0.20`] },
  { name: 'ClusterIP A with zero endpoints', qname: 'db.apps.svc.cluster.local', qtype: A, rcode: 0, answer: ['db.apps.svc.cluster.local. 5 IN A 10.96.1.1'] },
  { name: 'dual-stack ClusterIP AAAA', qname: 'db.apps.svc.cluster.local', qtype: AAAA, rcode: 0, answer: ['db.apps.svc.cluster.local. 5 IN AAAA fd00:0:0:0:0:0:1:1'] },
  {
    name: 'ClusterIP named-port SRV: service target and Service port', qname: `_http._tcp.web.${D}`, qtype: SRV, rcode: 0,
    answer: [`_http._tcp.web.${D}. 5 IN SRV 0 100 80 web.${D}.`], additional: [`web.${D}. 5 IN A 10.96.0.20`],
  },
  {
    name: 'ClusterIP bare SRV lists unnamed ports too', qname: `web.${D}`, qtype: SRV, rcode: 0,
    answer: [`web.${D}. 5 IN SRV 0 50 80 web.${D}.`, `web.${D}. 5 IN SRV 0 50 443 web.${D}.`], additional: [`web.${D}. 5 IN A 10.96.0.20`],
  },
  {
    name: 'dual-stack ClusterIP SRV glue has both families', qname: '_pg._tcp.db.apps.svc.cluster.local', qtype: SRV, rcode: 0,
    answer: ['_pg._tcp.db.apps.svc.cluster.local. 5 IN SRV 0 100 5432 db.apps.svc.cluster.local.'],
    additional: ['db.apps.svc.cluster.local. 5 IN A 10.96.1.1', 'db.apps.svc.cluster.local. 5 IN AAAA fd00:0:0:0:0:0:1:1'],
  },
  { name: 'unnamed port has no _x._proto SRV', qname: `_443._tcp.web.${D}`, qtype: SRV, rcode: 3, authority: [Z] },
  { name: 'endpoint name under a ClusterIP service', qname: `10-244-2-1.web.${D}`, qtype: A, rcode: 0, answer: [`10-244-2-1.web.${D}. 5 IN A 10.244.2.1`] },
  {
    name: 'endpoint SRV uses the resolved target ports', qname: `10-244-2-1.web.${D}`, qtype: SRV, rcode: 0,
    answer: [`10-244-2-1.web.${D}. 5 IN SRV 0 50 8080 10-244-2-1.web.${D}.`, `10-244-2-1.web.${D}. 5 IN SRV 0 50 8443 10-244-2-1.web.${D}.`],
    additional: [`10-244-2-1.web.${D}. 5 IN A 10.244.2.1`],
  },
  {
    name: 'unresolvable named targetPort omitted for that endpoint', qname: `10-244-2-2.web.${D}`, qtype: SRV, rcode: 0,
    answer: [`10-244-2-2.web.${D}. 5 IN SRV 0 100 8443 10-244-2-2.web.${D}.`], additional: [`10-244-2-2.web.${D}. 5 IN A 10.244.2.2`],
  },
  {
    name: 'ANY returns every RRset at the name', qname: 'db.apps.svc.cluster.local', qtype: ANY, rcode: 0,
    answer: ['db.apps.svc.cluster.local. 5 IN A 10.96.1.1', 'db.apps.svc.cluster.local. 5 IN AAAA fd00:0:0:0:0:0:1:1', 'db.apps.svc.cluster.local. 5 IN SRV 0 100 5432 db.apps.svc.cluster.local.'],
  },
  { name: 'MX: NODATA', qname: `web.${D}`, qtype: MX, rcode: 0, authority: [Z] },
  // ExternalName (spec §2.5)
  { name: 'ExternalName CNAME', qname: `ext.${D}`, qtype: CNAME, rcode: 0, answer: [`ext.${D}. 5 IN CNAME kubia.default.svc.cluster.local.`] },
  {
    name: 'ExternalName A follows an in-zone target', qname: `ext.${D}`, qtype: A, rcode: 0,
    answer: [`ext.${D}. 5 IN CNAME kubia.default.svc.cluster.local.`, `kubia.${D}. 5 IN A 10.244.1.10`, `kubia.${D}. 5 IN A 10.244.1.11`],
  },
  {
    name: 'ExternalName AAAA with no AAAA at the target: CNAME + NODATA (Q4)', qname: `ext.${D}`, qtype: AAAA, rcode: 0,
    answer: [`ext.${D}. 5 IN CNAME kubia.default.svc.cluster.local.`], authority: [Z],
  },
  {
    name: 'ExternalName SRV follows too', qname: `ext.${D}`, qtype: SRV, rcode: 0,
    answer: [`ext.${D}. 5 IN CNAME kubia.default.svc.cluster.local.`, `kubia.${D}. 5 IN SRV 0 50 8080 kubia-0.kubia.${D}.`, `kubia.${D}. 5 IN SRV 0 50 8080 kubia-1.kubia.${D}.`],
    additional: [`kubia-0.kubia.${D}. 5 IN A 10.244.1.10`, `kubia-1.kubia.${D}. 5 IN A 10.244.1.11`],
  },
  { name: 'ExternalName to the outside: CNAME only', qname: `ext2.${D}`, qtype: A, rcode: 0, answer: [`ext2.${D}. 5 IN CNAME www.example.com.`] },
  {
    name: 'ExternalName loop stops', qname: `loop1.${D}`, qtype: A, rcode: 0,
    answer: [`loop1.${D}. 5 IN CNAME loop2.default.svc.cluster.local.`, `loop2.${D}. 5 IN CNAME loop1.default.svc.cluster.local.`],
  },
  {
    name: 'ExternalName to a missing in-zone name: NXDOMAIN after the CNAME (RFC 6604)', qname: `gone.${D}`, qtype: A, rcode: 3,
    answer: [`gone.${D}. 5 IN CNAME nothing.default.svc.cluster.local.`], authority: [Z],
  },
  { name: 'nothing below an ExternalName', qname: `x.ext.${D}`, qtype: A, rcode: 3, authority: [Z] },
  // Structure, apex, negatives (RFC 2308, RFC 8020)
  { name: 'namespace name: NODATA', qname: 'apps.svc.cluster.local', qtype: A, rcode: 0, authority: [Z] },
  { name: 'namespace without services: NODATA', qname: 'empty.svc.cluster.local', qtype: A, rcode: 0, authority: [Z] },
  { name: 'namespace TXT: NODATA (Q2)', qname: D, qtype: TXT, rcode: 0, authority: [Z] },
  { name: 'unknown namespace: NXDOMAIN', qname: 'nope.svc.cluster.local', qtype: A, rcode: 3, authority: [Z] },
  { name: 'unknown service: NXDOMAIN', qname: `nope.${D}`, qtype: A, rcode: 3, authority: [Z] },
  { name: 'SOA at a missing name: NXDOMAIN (Q3)', qname: `nope.${D}`, qtype: SOA, rcode: 3, authority: [Z] },
  { name: 'svc.<zone>: NODATA', qname: 'svc.cluster.local', qtype: A, rcode: 0, authority: [Z] },
  { name: 'apex A: NODATA', qname: 'cluster.local', qtype: A, rcode: 0, authority: [Z] },
  { name: 'apex TXT: NODATA (Q2)', qname: 'cluster.local', qtype: TXT, rcode: 0, authority: [Z] },
  { name: 'apex SOA', qname: 'cluster.local', qtype: SOA, rcode: 0, answer: [Z] },
  {
    name: 'apex NS with glue', qname: 'cluster.local', qtype: NS, rcode: 0, answer: ['cluster.local. 5 IN NS ns.dns.cluster.local.'],
    additional: ['ns.dns.cluster.local. 5 IN A 10.96.0.10', 'ns.dns.cluster.local. 5 IN AAAA fd00:0:0:0:0:0:0:10'],
  },
  { name: 'ns.dns A', qname: 'ns.dns.cluster.local', qtype: A, rcode: 0, answer: ['ns.dns.cluster.local. 5 IN A 10.96.0.10'] },
  { name: 'ns.dns AAAA', qname: 'ns.dns.cluster.local', qtype: AAAA, rcode: 0, answer: ['ns.dns.cluster.local. 5 IN AAAA fd00:0:0:0:0:0:0:10'] },
  { name: 'dns.<zone> is an empty non-terminal', qname: 'dns.cluster.local', qtype: A, rcode: 0, authority: [Z] },
  { name: 'dns-version TXT', qname: 'dns-version.cluster.local', qtype: TXT, rcode: 0, answer: ['dns-version.cluster.local. 28800 IN TXT "1.1.0"'] },
  { name: 'dns-version A: NODATA (Q1)', qname: 'dns-version.cluster.local', qtype: A, rcode: 0, authority: [Z] },
  { name: 'unknown top label: NXDOMAIN', qname: 'foo.cluster.local', qtype: A, rcode: 3, authority: [Z] },
  { name: 'pod records are not served', qname: '10-244-1-10.default.pod.cluster.local', qtype: A, rcode: 3, authority: [Z] },
  // Reverse (spec §2.3/§2.4 PTR, dns.md B.10)
  { name: 'PTR of a ClusterIP', qname: '20.0.96.10.in-addr.arpa', qtype: PTR, rcode: 0, answer: [`20.0.96.10.in-addr.arpa. 5 IN PTR web.${D}.`] },
  { name: 'PTR of a dual-stack ClusterIP', qname: '1.1.96.10.in-addr.arpa', qtype: PTR, rcode: 0, answer: ['1.1.96.10.in-addr.arpa. 5 IN PTR db.apps.svc.cluster.local.'] },
  { name: 'PTR of a headless endpoint', qname: '10.1.244.10.in-addr.arpa', qtype: PTR, rcode: 0, answer: [`10.1.244.10.in-addr.arpa. 5 IN PTR kubia-0.kubia.${D}.`] },
  { name: 'PTR of a hostless endpoint', qname: '1.2.244.10.in-addr.arpa', qtype: PTR, rcode: 0, answer: [`1.2.244.10.in-addr.arpa. 5 IN PTR 10-244-2-1.web.${D}.`] },
  {
    name: 'PTR in ip6.arpa', qname: nib('fd000000000000000000000000030001'), qtype: PTR, rcode: 0,
    answer: [`${nib('fd000000000000000000000000030001')}. 5 IN PTR ds-0.ds.${D}.`],
  },
  { name: 'no PTR for a not-ready endpoint', qname: '12.1.244.10.in-addr.arpa', qtype: PTR, rcode: 3, authority: [R4] },
  { name: 'A at a PTR name: NODATA (Q7)', qname: '10.1.244.10.in-addr.arpa', qtype: A, rcode: 0, authority: [R4] },
  { name: 'reverse empty non-terminal', qname: '1.244.10.in-addr.arpa', qtype: PTR, rcode: 0, authority: [R4] },
  { name: 'reverse name with nothing below', qname: '9.244.10.in-addr.arpa', qtype: PTR, rcode: 3, authority: [R4] },
  { name: 'non-canonical reverse label', qname: '010.1.244.10.in-addr.arpa', qtype: PTR, rcode: 3, authority: [R4] },
  { name: 'ip6.arpa empty non-terminal above a /64', qname: nib('fd00'), qtype: PTR, rcode: 0, authority: [R6] },
  { name: 'ip6.arpa empty non-terminal at a /64', qname: nib('fd00000000000000'), qtype: PTR, rcode: 0, authority: [R6] },
  { name: 'ip6.arpa empty non-terminal below a /64', qname: nib('fd000000000000000000000000'), qtype: PTR, rcode: 0, authority: [R6] },
  { name: 'ip6.arpa partial miss below a /64', qname: nib('fd000000000000000000000001'), qtype: PTR, rcode: 3, authority: [R6] },
  { name: 'ip6.arpa partial miss', qname: nib('fd01'), qtype: PTR, rcode: 3, authority: [R6] },
  { name: 'reverse /24 empty non-terminal', qname: '2.244.10.in-addr.arpa', qtype: NS, rcode: 0, authority: [R4] },
  { name: 'reverse /8 empty non-terminal', qname: '10.in-addr.arpa', qtype: PTR, rcode: 0, authority: [R4] },
  { name: 'reverse /8 miss', qname: '11.in-addr.arpa', qtype: PTR, rcode: 3, authority: [R4] },
  { name: 'too many IPv4 labels', qname: '1.10.1.244.10.in-addr.arpa', qtype: PTR, rcode: 3, authority: [R4] },
  { name: 'ip6.arpa miss', qname: nib('fd000000000000000000000000030002'), qtype: PTR, rcode: 3, authority: [R6] },
  { name: 'reverse apex SOA', qname: 'in-addr.arpa', qtype: SOA, rcode: 0, answer: [R4] },
  {
    name: 'reverse apex NS', qname: 'ip6.arpa', qtype: NS, rcode: 0, answer: ['ip6.arpa. 5 IN NS ns.dns.cluster.local.'],
    additional: ['ns.dns.cluster.local. 5 IN A 10.96.0.10', 'ns.dns.cluster.local. 5 IN AAAA fd00:0:0:0:0:0:0:10'],
  },
  // Refusals
  { name: 'outside every zone: REFUSED, AA=0', qname: 'example.com', qtype: A, rcode: 5, aa: false },
  { name: 'parent of the zone: REFUSED', qname: 'local', qtype: SOA, rcode: 5, aa: false },
  { name: 'label-suffix lookalike: REFUSED', qname: 'xcluster.local', qtype: A, rcode: 5, aa: false },
  { name: 'AXFR: REFUSED', qname: 'cluster.local', qtype: AXFR, rcode: 5, aa: false },
  { name: 'IXFR: REFUSED', qname: 'cluster.local', qtype: IXFR, rcode: 5, aa: false },
  { name: 'class CH: REFUSED', qname: 'dns-version.cluster.local', qtype: TXT, qclass: RRClass.CH, rcode: 5, aa: false },
  { name: 'class ANY is answered', qname: `web.${D}`, qtype: A, qclass: RRClass.ANY, rcode: 0, answer: [`web.${D}. 5 IN A 10.96.0.20`] },
];

describe.each(['pods', 'endpointslices'] as const)('lookup (%s source)', (endpointsFrom) => {
  const snap = cluster({ endpointsFrom }).snapshot();
  it.each(rows)('$name', (row) => {
    const got = showResult(lookup(snap, row.qname, row.qtype, row.qclass ?? RRClass.IN));
    expect(got).toEqual({
      rcode: row.rcode, aa: row.aa ?? true, answer: row.answer ?? [], authority: row.authority ?? [], additional: row.additional ?? [],
    });
  });
});

describe('lookup invariants', () => {
  const snap = cluster().snapshot();
  it.each(rows.filter((r) => r.rcode === Rcode.NOERROR && (r.answer?.length ?? 0) > 0 && !r.answer?.[0]?.includes('CNAME')))(
    'answer owner equals the qname so the dns layer can point at the question: $name', (row) => {
      const res = lookup(snap, row.qname, row.qtype, RRClass.IN);
      expect(res.answer.map((r) => r.owner)).toEqual(res.answer.map(() => row.qname));
    });
});

describe('case and form of the question', () => {
  const snap = cluster().snapshot();
  it.each([
    { qname: 'KUBIA-0.Kubia.DEFAULT.svc.Cluster.Local', qtype: A },
    { qname: 'kubia-0.kubia.default.svc.cluster.local.', qtype: A },
    { qname: '_HTTP._TCP.kubia.default.svc.cluster.local', qtype: SRV },
  ])('$qname answers like its lowercase form', ({ qname, qtype }) => {
    const lower = qname.toLowerCase().replace(/\.$/, '');
    const got = showResult(lookup(snap, qname, qtype, RRClass.IN));
    expect(got).toEqual(showResult(lookup(snap, lower, qtype, RRClass.IN)));
    expect(got.rcode).toBe(Rcode.NOERROR);
    expect(got.answer.every((a) => a.startsWith(`${lower}. `))).toBe(true);
  });
  it('the root and garbage are REFUSED', () => {
    expect(lookup(snap, '', A, RRClass.IN).rcode).toBe(Rcode.REFUSED);
    expect(lookup(snap, '..', A, RRClass.IN).rcode).toBe(Rcode.REFUSED);
  });
});

it('a stub snapshot without a zone is REFUSED, not a crash', () => {
  expect(lookup({ version: 1 }, 'cluster.local', A, RRClass.IN).rcode).toBe(Rcode.REFUSED);
});
