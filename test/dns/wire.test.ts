import { describe, expect, it } from 'vitest';
import { dottedName, labelStarts, parseQuery, type QueryProblem } from '../../src/dns/wire.ts';
import { buildQuery, encodeName } from '../helpers/dns-client.ts';

function withHeader(mut: (b: Buffer) => void, base = buildQuery('web-0.nginx.default.svc.cluster.local', 1)): Buffer {
  const b = Buffer.from(base);
  mut(b);
  return b;
}

const opt = (size: number, version = 0, owner = [0]): Buffer => Buffer.concat([Buffer.from(owner), Buffer.from([0, 41, size >> 8, size & 0xff, 0, version, 0, 0, 0, 0])]);
const addAr = (q: Buffer, count: number, ...recs: Buffer[]): Buffer => withHeader((b) => b.writeUInt16BE(count, 10), Buffer.concat([q, ...recs]));
const plain = buildQuery('a.cluster.local', 1, { rd: true });

describe('parseQuery problems', () => {
  const longName = Array.from({ length: 5 }, () => 'x'.repeat(63)).join('.');
  const rows: { name: string; msg: Buffer; problem: QueryProblem; partial: boolean }[] = [
    { name: 'empty', msg: Buffer.alloc(0), problem: 'short', partial: false },
    { name: '11 bytes', msg: plain.subarray(0, 11), problem: 'short', partial: false },
    { name: 'QR=1', msg: withHeader((b) => { b[2]! |= 0x80; }, plain), problem: 'response', partial: false },
    { name: 'opcode STATUS', msg: withHeader((b) => { b[2] = 2 << 3; }, plain), problem: 'opcode', partial: true },
    { name: 'opcode NOTIFY without question', msg: withHeader((b) => { b[2] = 4 << 3; b[5] = 0; }, plain), problem: 'opcode', partial: false },
    { name: 'QDCOUNT 0', msg: withHeader((b) => { b[5] = 0; }, plain), problem: 'qdcount', partial: false },
    { name: 'QDCOUNT 2', msg: withHeader((b) => { b[5] = 2; }, plain), problem: 'qdcount', partial: false },
    { name: 'header only', msg: plain.subarray(0, 12), problem: 'question', partial: false },
    { name: 'name cut mid-label', msg: plain.subarray(0, 15), problem: 'question', partial: false },
    { name: 'no qtype', msg: plain.subarray(0, plain.length - 4), problem: 'question', partial: false },
    { name: 'half qclass', msg: plain.subarray(0, plain.length - 1), problem: 'question', partial: false },
    { name: 'pointer in question', msg: Buffer.concat([plain.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]), problem: 'question', partial: false },
    { name: 'label 64', msg: Buffer.concat([plain.subarray(0, 12), Buffer.from([64]), Buffer.alloc(64, 97), Buffer.from([0, 0, 1, 0, 1])]), problem: 'question', partial: false },
    { name: 'name over 255', msg: Buffer.concat([plain.subarray(0, 12), encodeName(longName), Buffer.from([0, 1, 0, 1])]), problem: 'question', partial: false },
    { name: 'ANCOUNT 1', msg: withHeader((b) => { b[7] = 1; }, plain), problem: 'sections', partial: true },
    { name: 'NSCOUNT 1', msg: withHeader((b) => { b[9] = 1; }, plain), problem: 'sections', partial: true },
    { name: 'ARCOUNT 1, no record', msg: addAr(plain, 1), problem: 'additional', partial: true },
    { name: 'ARCOUNT 2, one OPT', msg: addAr(plain, 2, opt(1232)), problem: 'additional', partial: true },
    { name: 'OPT not at root', msg: addAr(plain, 1, opt(1232, 0, [1, 97, 0])), problem: 'opt', partial: true },
    { name: 'two OPTs', msg: addAr(plain, 2, opt(1232), opt(1232)), problem: 'opt', partial: true },
    { name: 'OPT rdlength past end', msg: addAr(plain, 1, withHeader((b) => { b[10] = 9; }, opt(1232))), problem: 'opt', partial: true },
    { name: 'EDNS version 1', msg: buildQuery('a.cluster.local', 1, { edns: { udpSize: 1232, version: 1 } }), problem: 'badvers', partial: true },
    { name: 'QTYPE OPT', msg: buildQuery('a.cluster.local', 41), problem: 'meta', partial: true },
  ];
  it.each(rows)('$name', ({ msg, problem, partial }) => {
    const r = parseQuery(msg);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toBe(problem);
    expect(r.partial !== null).toBe(partial);
  });
});

describe('parseQuery accepts', () => {
  it('lowercases the name and reads type, class, id and EDNS', () => {
    const r = parseQuery(buildQuery('WeB-0.NgInX.default.svc.Cluster.Local.', 33, { id: 0xbeef, edns: { udpSize: 4096, dnssecOk: true } }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.query.id).toBe(0xbeef);
    expect(dottedName(r.query.nameKey)).toBe('web-0.nginx.default.svc.cluster.local');
    expect(r.query.qtype).toBe(33);
    expect(r.query.qclass).toBe(1);
    expect(r.query.edns).toEqual({ udpSize: 4096, version: 0, dnssecOk: true });
  });
  it('raises a small EDNS size to 512', () => {
    const r = parseQuery(buildQuery('a', 1, { edns: { udpSize: 100 } }));
    expect(r.ok && r.query.edns?.udpSize).toBe(512);
  });
  it('ignores non-OPT additional records and trailing bytes', () => {
    const txt = Buffer.concat([Buffer.from([0xc0, 12]), Buffer.from([0, 16, 0, 1, 0, 0, 0, 0, 0, 2, 1, 2])]);
    const r = parseQuery(Buffer.concat([addAr(plain, 2, txt, opt(1400)), Buffer.from([9, 9, 9])]));
    expect(r.ok && r.query.edns?.udpSize).toBe(1400);
  });
  it('finds a TSIG only as the last additional record (RFC 8945 §5.1)', () => {
    const tsigish = Buffer.concat([Buffer.from([0xc0, 12]), Buffer.from([0, 250, 0, 255, 0, 0, 0, 0, 0, 2, 1, 2])]);
    const last = parseQuery(addAr(plain, 2, opt(1400), tsigish));
    expect(last.ok && last.query.tsigAt).toBe(plain.length + 11);
    const notLast = parseQuery(addAr(plain, 2, tsigish, opt(1400)));
    expect(!notLast.ok && notLast.problem).toBe('additional');
  });
  it('accepts the root name', () => {
    const r = parseQuery(buildQuery('.', 2));
    expect(r.ok && dottedName(r.query.nameKey)).toBe('');
  });
});

describe('dottedName', () => {
  it.each([
    { wire: [3, 0x61, 0x62, 0x63, 0], want: 'abc' },
    { wire: [1, 0x2e, 1, 0x5c, 0], want: '\\..\\\\' },
    { wire: [2, 0x00, 0xff, 0], want: '\\000\\255' },
    { wire: [1, 0x20, 0], want: '\\032' },
    { wire: [0], want: '' },
  ])('$want', ({ wire, want }) => {
    const key = Buffer.from(wire).toString('latin1');
    expect(dottedName(key)).toBe(want);
  });
  it('labelStarts', () => {
    expect(labelStarts(encodeName('ab.c.def').toString('latin1'))).toEqual([0, 3, 5]);
  });
});
