import { describe, expect, it } from 'vitest';
import type { Packet } from 'dns2';
import { createHandler, problemRcode, type LookupFn } from '../../src/dns/handler.ts';
import { silentLogger } from '../../src/log.ts';
import type { WireRR } from '../../src/zone/types.ts';
import { buildQuery, decode } from '../helpers/dns-client.ts';
import { demoRecords, fakeLookup, fakeSource, rr, snapshot } from './fake-zone.ts';

type Opts = { maxUdpSize?: number; cacheSize?: number; lookup?: LookupFn; records?: WireRR[] };
function handler(o: Opts = {}) {
  const source = fakeSource(snapshot(o.records ?? demoRecords()));
  const calls: number[][] = [];
  const h = createHandler({
    source, lookup: o.lookup ?? fakeLookup, maxUdpSize: o.maxUdpSize ?? 1232, cacheSize: o.cacheSize ?? 100,
    log: silentLogger(), onQuery: (t, r, us) => calls.push([t, r, us]),
  });
  return { h, source, calls };
}

/** The records as dns2 sees them, reduced to comparable text. */
function show(p: Packet['answers']): string[] {
  return p.map((r) => `${r.name} ${r.type} ${r.ttl} ${r.address ?? r.domain ?? r.target ?? r.data ?? r.primary ?? ''}${r.port ? ':' + r.port : ''}`);
}

describe('answers decoded by dns2 match the lookup', () => {
  const rows = [
    { name: 'pod A', q: 'web-1.nginx.default.svc.cluster.local', t: 1, rcode: 0, answer: ['web-1.nginx.default.svc.cluster.local 1 5 10.244.0.2'] },
    { name: 'pod AAAA', q: 'web-0.nginx.default.svc.cluster.local', t: 28, rcode: 0, answer: ['web-0.nginx.default.svc.cluster.local 28 5 fd00::1'] },
    { name: 'service A (3)', q: 'nginx.default.svc.cluster.local', t: 1, rcode: 0, answer: [1, 2, 3].map((i) => `nginx.default.svc.cluster.local 1 5 10.244.0.${i}`) },
    { name: 'SRV', q: '_http._tcp.nginx.default.svc.cluster.local', t: 33, rcode: 0, answer: [0, 1, 2].map((i) => `_http._tcp.nginx.default.svc.cluster.local 33 5 web-${i}.nginx.default.svc.cluster.local:80`) },
    { name: 'PTR', q: '2.0.244.10.in-addr.arpa', t: 12, rcode: 0, answer: ['2.0.244.10.in-addr.arpa 12 5 web-1.nginx.default.svc.cluster.local'] },
    { name: 'TXT', q: 'dns-version.cluster.local', t: 16, rcode: 0, answer: ['dns-version.cluster.local 16 28800 1.1.0'] },
    { name: 'CNAME', q: 'ext.default.svc.cluster.local', t: 1, rcode: 0, answer: ['ext.default.svc.cluster.local 5 5 example.com'] },
    { name: 'NXDOMAIN', q: 'nope.default.svc.cluster.local', t: 1, rcode: 3, answer: [] },
    { name: 'NODATA', q: 'api.default.svc.cluster.local', t: 28, rcode: 0, answer: [] },
    { name: 'out of zone', q: 'example.org', t: 1, rcode: 5, answer: [] },
  ];
  it.each(rows)('$name', ({ q, t, rcode, answer }) => {
    const { h, source } = handler();
    const reply = decode(h(buildQuery(q, t, { id: 77 }), false)!);
    const want = fakeLookup(source.current(), q, t, 1);
    expect(reply.header.id).toBe(77);
    expect(reply.header.qr).toBe(1);
    expect(reply.header.rcode).toBe(rcode);
    expect(reply.header.aa).toBe(want.aa ? 1 : 0);
    expect(reply.header.tc).toBe(0);
    expect(reply.header.rd).toBe(1);
    expect(reply.header.ra).toBe(0);
    expect(show(reply.answers)).toEqual(answer);
    expect(reply.authorities.map((r) => r.name)).toEqual(want.authority.map((r) => r.owner));
    expect(reply.additionals.map((r) => r.name)).toEqual(want.additional.map((r) => r.owner));
    expect(reply.questions).toEqual([expect.objectContaining({ name: q, type: t, class: 1 })]);
  });
});

describe('compression and case', () => {
  it('points owners equal to the qname at offset 12 and echoes the query case', () => {
    const { h } = handler();
    const raw = h(buildQuery('WEB-0.nginx.DEFAULT.svc.cluster.local', 1), false)!;
    const qEnd = 12 + 'WEB-0.nginx.DEFAULT.svc.cluster.local'.length + 2 + 4;
    expect(raw.readUInt16BE(qEnd)).toBe(0xc00c);
    expect(raw.length).toBe(qEnd + 16);
    expect(decode(raw).answers[0]!.name).toBe('WEB-0.nginx.DEFAULT.svc.cluster.local');
  });
  it('points SRV glue owners at the SRV targets and never compresses targets', () => {
    const { h } = handler();
    const raw = h(buildQuery('_http._tcp.nginx.default.svc.cluster.local', 33), false)!;
    const p = decode(raw);
    expect(p.additionals.map((r) => `${r.name} ${r.address}`)).toEqual([
      'web-0.nginx.default.svc.cluster.local 10.244.0.1', 'web-0.nginx.default.svc.cluster.local fd00::1',
      'web-1.nginx.default.svc.cluster.local 10.244.0.2', 'web-2.nginx.default.svc.cluster.local 10.244.0.3',
    ]);
    // Every SRV target appears in full once (RFC 2782: no compression in SRV RDATA)...
    for (const i of [0, 1, 2]) {
      const target = Buffer.from(`\x05web-${i}\x05nginx\x07default\x03svc\x07cluster\x05local\x00`, 'latin1');
      expect(raw.indexOf(target)).toBeGreaterThan(0);
      expect(raw.lastIndexOf(target)).toBe(raw.indexOf(target));
    }
    // ...and everything else is a 2-byte pointer: SRV owners point at the question, glue owners at the targets.
    const question = 12 + 44 + 4;
    const srvRR = 2 + 10 + 6 + 39;
    expect(raw.length).toBe(question + 3 * srvRR + 3 * (2 + 14) + (2 + 26));
  });
});

describe('size limits', () => {
  const big = demoRecords(100);
  const srv = '_http._tcp.nginx.default.svc.cluster.local';
  const rows = [
    { name: 'UDP, no EDNS', tcp: false, edns: undefined, limit: 512 },
    { name: 'UDP, EDNS 4096 capped to 1232', tcp: false, edns: { udpSize: 4096 }, limit: 1232 },
    { name: 'UDP, EDNS 800', tcp: false, edns: { udpSize: 800 }, limit: 800 },
  ];
  it.each(rows)('$name: whole records that fit, TC set', ({ tcp, edns, limit }) => {
    const { h } = handler({ records: big });
    const raw = h(buildQuery(srv, 33, edns ? { edns } : {}), tcp)!;
    expect(raw.length).toBeLessThanOrEqual(limit);
    expect(raw.length).toBeGreaterThan(limit - 80);
    const p = decode(raw);
    expect(p.header.tc).toBe(1);
    expect(p.answers.length).toBeGreaterThan(0);
    expect(p.answers.length).toBeLessThan(100);
    expect(p.answers.every((r) => r.target?.endsWith('.nginx.default.svc.cluster.local'))).toBe(true);
    expect(p.additionals.filter((r) => r.type === 41).length).toBe(edns ? 1 : 0);
  });
  it('TCP returns all 100 SRV and their glue', () => {
    const { h } = handler({ records: big });
    const raw = h(buildQuery(srv, 33), true)!;
    const p = decode(raw);
    expect(p.header.tc).toBe(0);
    expect(p.answers.length).toBe(100);
    expect(p.additionals.filter((r) => r.type === 1).length).toBe(100);
    expect(raw.length).toBeGreaterThan(7000);
  });
  it('sets TC when only additional records were dropped', () => {
    const { h } = handler({ records: demoRecords(7) });
    const raw = h(buildQuery(srv, 33), false)!;
    const p = decode(raw);
    expect(p.answers.length).toBe(7);
    expect(p.additionals.length).toBeGreaterThan(0);
    expect(p.additionals.length).toBeLessThan(8);
    expect(p.header.tc).toBe(1);
  });
});

describe('EDNS', () => {
  it('echoes an OPT with our size and the DO bit', () => {
    const { h } = handler({ maxUdpSize: 1400 });
    const p = decode(h(buildQuery('api.default.svc.cluster.local', 1, { edns: { udpSize: 4096, dnssecOk: true } }), false)!);
    const opt = p.additionals.find((r) => r.type === 41)!;
    expect(opt.class).toBe(1400);
    expect(opt.doFlag).toBe(true);
    expect(p.answers.length).toBe(1);
  });
  it('answers BADVERS to EDNS version 1', () => {
    const { h, calls } = handler();
    const raw = h(buildQuery('api.default.svc.cluster.local', 1, { edns: { udpSize: 4096, version: 1 } }), false)!;
    const p = decode(raw);
    const opt = p.additionals.find((r) => r.type === 41)!;
    expect(((opt.extendedRcode ?? 0) << 4) | p.header.rcode).toBe(16);
    expect(opt.version).toBe(0);
    expect(p.answers).toEqual([]);
    expect(calls[0]![1]).toBe(16);
  });
});

describe('rcode policy', () => {
  it.each([
    { problem: 'short', want: 'drop' }, { problem: 'response', want: 'drop' }, { problem: 'opcode', want: 4 },
    { problem: 'qdcount', want: 1 }, { problem: 'question', want: 1 }, { problem: 'sections', want: 1 },
    { problem: 'additional', want: 1 }, { problem: 'opt', want: 1 }, { problem: 'meta', want: 1 }, { problem: 'badvers', want: 16 },
  ] as const)('$problem -> $want', ({ problem, want }) => {
    expect(problemRcode(problem)).toBe(want);
  });
  it('FORMERR for a bad OPT carries no OPT; NOTIMP echoes the question', () => {
    const { h } = handler();
    const q = buildQuery('api.default.svc.cluster.local', 1, { edns: { udpSize: 1232 } });
    const twoOpt = Buffer.concat([q, q.subarray(q.length - 11)]);
    twoOpt.writeUInt16BE(2, 10);
    const p = decode(h(twoOpt, false)!);
    expect(p.header.rcode).toBe(1);
    expect(p.additionals).toEqual([]);
    const notify = Buffer.from(q);
    notify[2] = (4 << 3) | 1;
    const n = decode(h(notify, false)!);
    expect(n.header.rcode).toBe(4);
    expect(n.header.opcode).toBe(4);
    expect(n.questions[0]!.name).toBe('api.default.svc.cluster.local');
  });
  it('SERVFAIL when lookup throws', () => {
    const { h } = handler({ lookup: () => { throw new Error('boom'); } });
    expect(decode(h(buildQuery('api.default.svc.cluster.local', 1), false)!).header.rcode).toBe(2);
  });
  it('SERVFAIL when the zone hands over an unencodable owner', () => {
    const { h } = handler({ lookup: () => ({ rcode: 0, aa: true, answer: [rr.a('x'.repeat(64) + '.cluster.local', '1.2.3.4')], authority: [], additional: [] }) });
    expect(decode(h(buildQuery('a.cluster.local', 1), false)!).header.rcode).toBe(2);
  });
});

describe('answer cache', () => {
  it('a hit patches the ID, RD, CD and question case', () => {
    let lookups = 0;
    const { h } = handler({ lookup: (s, n, t, c) => { lookups++; return fakeLookup(s, n, t, c); } });
    const first = h(buildQuery('web-1.nginx.default.svc.cluster.local', 1, { id: 1 }), false)!;
    const second = h(buildQuery('WEB-1.Nginx.default.svc.cluster.local', 1, { id: 2, rd: false, cd: true }), false)!;
    expect(lookups).toBe(1);
    const p = decode(second);
    expect(p.header.id).toBe(2);
    expect(p.header.rd).toBe(0);
    expect(second[3]! & 0x10).toBe(0x10);
    expect(p.questions[0]!.name).toBe('WEB-1.Nginx.default.svc.cluster.local');
    expect(p.answers[0]!.name).toBe('WEB-1.Nginx.default.svc.cluster.local');
    expect(second.subarray(4)).not.toEqual(first.subarray(4)); // question bytes differ in case
  });
  it('variants are cached separately and a new snapshot version invalidates', () => {
    let lookups = 0;
    const { h, source } = handler({ lookup: (s, n, t, c) => { lookups++; return fakeLookup(s, n, t, c); } });
    const q = 'api.default.svc.cluster.local';
    h(buildQuery(q, 1), false);
    h(buildQuery(q, 1), true);
    h(buildQuery(q, 1, { edns: { udpSize: 1232 } }), false);
    h(buildQuery(q, 1, { edns: { udpSize: 1232 } }), false);
    expect(lookups).toBe(3);
    source.set(snapshot([rr.a(q, '10.96.0.99')], 2));
    const p = decode(h(buildQuery(q, 1), false)!);
    expect(p.answers[0]!.address).toBe('10.96.0.99');
    expect(lookups).toBe(4);
  });
  it.each([
    { name: 'TCP with EDNS, then TCP without', first: { edns: { udpSize: 1232 } }, second: {}, tcp: true, opt: false },
    { name: 'TCP without EDNS, then TCP with', first: {}, second: { edns: { udpSize: 1232 } }, tcp: true, opt: true },
    { name: 'UDP EDNS DO=1, then DO=0', first: { edns: { udpSize: 1232, dnssecOk: true } }, second: { edns: { udpSize: 1232 } }, tcp: false, opt: true },
  ])('never serves another variant\'s bytes: $name', ({ first, second, tcp, opt }) => {
    const { h } = handler();
    h(buildQuery('api.default.svc.cluster.local', 1, first), tcp);
    const p = decode(h(buildQuery('api.default.svc.cluster.local', 1, second), tcp)!);
    const got = p.additionals.find((r) => r.type === 41);
    expect(got !== undefined).toBe(opt);
    if (got) expect(got.doFlag ?? false).toBe(false);
  });
  it('a leased reply is the cache\'s own bytes until keep(); then the cache moves to a copy', () => {
    const { h } = handler();
    const q = (id: number) => buildQuery('web-1.nginx.default.svc.cluster.local', 1, { id });
    h.lease(q(1));
    const a = h.lease(q(2))!;
    const b = h.lease(q(3))!;
    expect(b).toBe(a); // patched in place: a send that completed at once no longer needs it
    expect(a.readUInt16BE(0)).toBe(3);
    h.keep(); // as if the send of id 3 were still queued
    const c = h.lease(q(4))!;
    expect(c).not.toBe(a);
    expect(a.readUInt16BE(0)).toBe(3);
    expect(c.readUInt16BE(0)).toBe(4);
    expect(c.subarray(2)).toEqual(a.subarray(2));
  });
  it('a cached reply owns its memory: no view into Node\'s shared buffer pool, which it would keep alive for as long as it is cached', () => {
    const { h } = handler();
    const q = (id: number) => buildQuery('web-1.nginx.default.svc.cluster.local', 1, { id });
    h.lease(q(1));
    const a = h.lease(q(2))!; // the cache's own buffer
    expect([a.byteOffset, a.buffer.byteLength]).toEqual([0, a.length]);
    h.keep();
    const c = h.lease(q(3))!; // the copy the cache moved to
    expect([c.byteOffset, c.buffer.byteLength]).toEqual([0, c.length]);
  });
  it.each([
    ['same case twice, then another case', ['web-1.nginx', 'web-1.nginx', 'WEB-1.Nginx']],
    ['alternating case', ['web-1.nginx', 'WEB-1.NGINX', 'web-1.nginx', 'Web-1.nginx']],
  ])('a leased reply echoes each query\'s own case: %s', (_name, names) => {
    const { h } = handler();
    names.forEach((n, i) => {
      const q = buildQuery(`${n}.default.svc.cluster.local`, 1, { id: 100 + i });
      const r = h.lease(q)!;
      expect(r.readUInt16BE(0)).toBe(100 + i);
      expect(r.subarray(12, q.length)).toEqual(q.subarray(12)); // the question, byte for byte
      expect(decode(Buffer.from(r)).answers[0]!.address).toBe('10.244.0.2');
    });
  });
  it('owned replies are never written to by later queries', () => {
    const { h } = handler();
    const q = (id: number) => buildQuery('_http._tcp.nginx.default.svc.cluster.local', 33, { id, edns: { udpSize: 4096 } });
    const first = h(q(1), false)!; // a miss: the encoder's buffer
    const second = h(q(2), true)!;
    const third = h(q(3), false)!; // a hit: a patched copy
    h.lease(q(4));
    expect([first, second, third].map((b) => b.readUInt16BE(0))).toEqual([1, 2, 3]);
  });
  it('cacheSize 0 disables caching', () => {
    let lookups = 0;
    const { h } = handler({ cacheSize: 0, lookup: (s, n, t, c) => { lookups++; return fakeLookup(s, n, t, c); } });
    h(buildQuery('api.default.svc.cluster.local', 1), false);
    h(buildQuery('api.default.svc.cluster.local', 1), false);
    expect(lookups).toBe(2);
  });
  it('reports qtype, rcode and time to onQuery', () => {
    const { h, calls } = handler();
    h(buildQuery('nope.cluster.local', 28), false);
    h(buildQuery('nope.cluster.local', 28), false);
    expect(calls.map((c) => c.slice(0, 2))).toEqual([[28, 3], [28, 3]]);
    expect(calls.every((c) => c[2]! >= 0)).toBe(true);
  });
});
