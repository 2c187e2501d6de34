/** Endpoint-source rules that differ between `pods` and `endpointslices` (dns.md A.7, B.8). */
import { describe, expect, it } from 'vitest';
import { lookup } from '../../src/zone/lookup.ts';
import { ClusterModel } from '../../src/zone/model.ts';
import { RRType } from '../../src/zone/types.ts';
import { config, NOW } from './cluster.ts';
import { namespace, pod, service, slice } from './fixtures.ts';
import { showResult } from './rr.ts';

const D = 'default.svc.cluster.local';

function model(endpointsFrom: 'pods' | 'endpointslices', objs: object[]): ClusterModel {
  const m = new ClusterModel(config({ endpointsFrom }), { now: () => NOW });
  for (const o of [namespace('default'), ...objs]) m.apply(o);
  m.markSynced();
  return m;
}

/** The answer section as text, or the rcode name when there is none. */
function ask(m: ClusterModel, qname: string, qtype: number): string[] | string {
  const r = showResult(lookup(m.snapshot(), qname, qtype, 1));
  return r.answer.length > 0 ? r.answer : (['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'][r.rcode] ?? String(r.rcode));
}

const hl = (name: string, o: Parameters<typeof service>[2] = {}): object =>
  service('default', name, { clusterIP: 'None', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...o });

interface Case { name: string; objs: object[]; qname: string; qtype: number; want: string[] | string }

const podCases: Case[] = [
  {
    name: 'two pods with one hostname: one name with both addresses',
    objs: [
      hl('m'),
      pod('default', 'm-a', { labels: { app: 'm' }, ips: ['10.0.0.2'], hostname: 'h', subdomain: 'm' }),
      pod('default', 'm-b', { labels: { app: 'm' }, ips: ['10.0.0.1'], hostname: 'h', subdomain: 'm' }),
    ],
    qname: `h.m.${D}`, qtype: RRType.A, want: [`h.m.${D}. 5 IN A 10.0.0.1`, `h.m.${D}. 5 IN A 10.0.0.2`],
  },
  {
    name: 'two hostname-less pods on one IP (hostNetwork): one dashed name, one SRV',
    objs: [
      hl('n'),
      pod('default', 'n-a', { labels: { app: 'n' }, ips: ['10.0.0.9'] }),
      pod('default', 'n-b', { labels: { app: 'n' }, ips: ['10.0.0.9'] }),
    ],
    qname: `n.${D}`, qtype: RRType.SRV, want: [`n.${D}. 5 IN SRV 0 100 8080 10-0-0-9.n.${D}.`],
  },
  {
    name: 'two hostnames on one IP: the PTR names both',
    objs: [
      hl('p'),
      pod('default', 'p-0', { labels: { app: 'p' }, ips: ['10.0.0.7'], hostname: 'p-0', subdomain: 'p' }),
      pod('default', 'p-1', { labels: { app: 'p' }, ips: ['10.0.0.7'], hostname: 'p-1', subdomain: 'p' }),
    ],
    qname: '7.0.0.10.in-addr.arpa', qtype: RRType.PTR,
    want: [`7.0.0.10.in-addr.arpa. 5 IN PTR p-0.p.${D}.`, `7.0.0.10.in-addr.arpa. 5 IN PTR p-1.p.${D}.`],
  },
  {
    name: 'named targetPort resolves per pod; protocol must match',
    objs: [
      hl('n', { ports: [{ name: 'http', port: 80, targetPort: 'web' }] }),
      pod('default', 'n-0', { labels: { app: 'n' }, ips: ['10.0.0.1'], ports: [{ name: 'web', containerPort: 9000 }] }),
      pod('default', 'n-1', { labels: { app: 'n' }, ips: ['10.0.0.2'], ports: [{ name: 'web', containerPort: 9001, protocol: 'UDP' }] }),
    ],
    qname: `_http._tcp.n.${D}`, qtype: RRType.SRV, want: [`_http._tcp.n.${D}. 5 IN SRV 0 100 9000 10-0-0-1.n.${D}.`],
  },
  {
    name: 'a pod whose port does not resolve still has an address',
    objs: [hl('n', { ports: [{ name: 'http', port: 80, targetPort: 'web' }] }), pod('default', 'n-1', { labels: { app: 'n' }, ips: ['10.0.0.2'] })],
    qname: `n.${D}`, qtype: RRType.A, want: [`n.${D}. 5 IN A 10.0.0.2`],
  },
  {
    name: 'terminating pods are not ready',
    objs: [hl('t'), pod('default', 't-0', { labels: { app: 't' }, ips: ['10.0.0.1'], deleting: true })],
    qname: `t.${D}`, qtype: RRType.A, want: 'NXDOMAIN',
  },
  {
    name: 'publishNotReadyAddresses keeps terminating pods',
    objs: [hl('t', { publishNotReadyAddresses: true }), pod('default', 't-0', { labels: { app: 't' }, ips: ['10.0.0.1'], deleting: true, ready: false })],
    qname: `t.${D}`, qtype: RRType.A, want: [`t.${D}. 5 IN A 10.0.0.1`],
  },
  {
    name: 'terminal pods are never endpoints',
    objs: [hl('t', { publishNotReadyAddresses: true }), pod('default', 't-0', { labels: { app: 't' }, ips: ['10.0.0.1'], phase: 'Succeeded' })],
    qname: `t.${D}`, qtype: RRType.A, want: 'NXDOMAIN',
  },
  {
    name: 'pods without an IP are not endpoints',
    objs: [hl('t', { publishNotReadyAddresses: true }), pod('default', 't-0', { labels: { app: 't' } })],
    qname: `t.${D}`, qtype: RRType.A, want: 'NXDOMAIN',
  },
  {
    name: 'hostname only when the subdomain names this service (ShouldSetHostname)',
    objs: [hl('h'), pod('default', 'h-0', { labels: { app: 'h' }, ips: ['10.0.0.1'], hostname: 'h-0', subdomain: 'other' })],
    qname: `h-0.h.${D}`, qtype: RRType.A, want: 'NXDOMAIN',
  },
  {
    name: '... and the dashed-IP name is used instead',
    objs: [hl('h'), pod('default', 'h-0', { labels: { app: 'h' }, ips: ['10.0.0.1'], hostname: 'h-0', subdomain: 'other' })],
    qname: `10-0-0-1.h.${D}`, qtype: RRType.A, want: [`10-0-0-1.h.${D}. 5 IN A 10.0.0.1`],
  },
  {
    name: 'pods in another namespace are not selected',
    objs: [hl('x'), namespace('other'), pod('other', 'x-0', { labels: { app: 'x' }, ips: ['10.0.0.1'] })],
    qname: `x.${D}`, qtype: RRType.A, want: 'NXDOMAIN',
  },
  {
    name: 'a selector must match every label',
    objs: [hl('x', { selector: { app: 'x', tier: 'db' } }), pod('default', 'x-0', { labels: { app: 'x' }, ips: ['10.0.0.1'] })],
    qname: `x.${D}`, qtype: RRType.A, want: 'NXDOMAIN',
  },
  {
    name: 'selector-less services read user-written slices',
    objs: [hl('m', { selector: undefined }), slice('default', 'm-1', 'm', [{ ip: '10.9.9.9' }], [{ name: 'http', port: 80 }])],
    qname: `m.${D}`, qtype: RRType.A, want: [`m.${D}. 5 IN A 10.9.9.9`],
  },
  {
    name: 'slices of selector services are ignored in pods mode',
    objs: [hl('s'), slice('default', 's-1', 's', [{ ip: '10.9.9.9' }])],
    qname: `s.${D}`, qtype: RRType.A, want: 'NXDOMAIN',
  },
];

const sliceCases: Case[] = [
  {
    name: 'unset ready counts as ready, false does not',
    objs: [hl('r'), slice('default', 'r-1', 'r', [{ ip: '10.0.0.1', ready: null }, { ip: '10.0.0.2', ready: false }])],
    qname: `r.${D}`, qtype: RRType.A, want: [`r.${D}. 5 IN A 10.0.0.1`],
  },
  {
    name: 'union over slices, duplicates removed',
    objs: [hl('u'), slice('default', 'u-1', 'u', [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }]), slice('default', 'u-2', 'u', [{ ip: '10.0.0.2' }, { ip: '10.0.0.3' }])],
    qname: `u.${D}`, qtype: RRType.A, want: [`u.${D}. 5 IN A 10.0.0.1`, `u.${D}. 5 IN A 10.0.0.2`, `u.${D}. 5 IN A 10.0.0.3`],
  },
  {
    name: 'an unnamed slice port gives no _name._proto SRV (k/k#80175)',
    objs: [hl('p'), slice('default', 'p-1', 'p', [{ ip: '10.0.0.1' }], [{ port: 8080 }])],
    qname: `_http._tcp.p.${D}`, qtype: RRType.SRV, want: 'NXDOMAIN',
  },
  {
    name: 'a slice without ports: addresses but no SRV',
    objs: [hl('p'), slice('default', 'p-1', 'p', [{ ip: '10.0.0.1' }])],
    qname: `p.${D}`, qtype: RRType.SRV, want: 'NOERROR',
  },
  {
    name: 'slices without the service-name label serve nothing',
    objs: [hl('l'), slice('default', 'l-1', undefined, [{ ip: '10.0.0.1' }])],
    qname: `l.${D}`, qtype: RRType.A, want: 'NXDOMAIN',
  },
  {
    name: 'slices of a deleted service give no PTR (Q5)',
    objs: [slice('default', 'g-1', 'g', [{ ip: '10.0.0.1', hostname: 'g-0' }])],
    qname: '1.0.0.10.in-addr.arpa', qtype: RRType.PTR, want: 'NXDOMAIN',
  },
  {
    name: 'multiple addresses for one hostname: one record each',
    objs: [hl('m'), slice('default', 'm-1', 'm', [{ ip: ['10.0.0.1', '10.0.0.2'], hostname: 'm-0' }])],
    qname: `m-0.m.${D}`, qtype: RRType.A, want: [`m-0.m.${D}. 5 IN A 10.0.0.1`, `m-0.m.${D}. 5 IN A 10.0.0.2`],
  },
  {
    name: 'the same IP in two services: one PTR per service',
    objs: [hl('a'), hl('b'), slice('default', 'a-1', 'a', [{ ip: '10.0.0.1' }]), slice('default', 'b-1', 'b', [{ ip: '10.0.0.1', hostname: 'b-0' }])],
    qname: '1.0.0.10.in-addr.arpa', qtype: RRType.PTR,
    want: [`1.0.0.10.in-addr.arpa. 5 IN PTR 10-0-0-1.a.${D}.`, `1.0.0.10.in-addr.arpa. 5 IN PTR b-0.b.${D}.`],
  },
];

describe.each([['pods', podCases], ['endpointslices', sliceCases]] as const)('%s source', (src, cases) => {
  it.each(cases)('$name', (c) => {
    expect(ask(model(src, c.objs), c.qname, c.qtype)).toEqual(c.want);
  });
});

it('SRV weight never drops below 1 (coredns#3930)', () => {
  const eps = Array.from({ length: 150 }, (_, i) => ({ ip: `10.1.${i >> 8}.${i & 255}` }));
  const m = model('endpointslices', [hl('big'), slice('default', 'big-1', 'big', eps, [{ name: 'http', port: 80 }])]);
  const res = showResult(lookup(m.snapshot(), `_http._tcp.big.${D}`, RRType.SRV, 1));
  expect(res.answer).toHaveLength(150);
  expect(res.answer.every((a) => a.includes(' SRV 0 1 80 '))).toBe(true);
  expect(res.additional).toHaveLength(150);
});

it('an IPv4-looking ExternalName is a CNAME to that name', () => {
  const m = model('pods', [service('default', 'ip', { type: 'ExternalName', externalName: '192.0.2.1' })]);
  expect(ask(m, `ip.${D}`, RRType.A)).toEqual([`ip.${D}. 5 IN CNAME 192.0.2.1.`]);
});
