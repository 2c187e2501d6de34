/** Encoders and address helpers, cross-checked with dns2 as an independent decoder. */
import dns2 from 'dns2';
import { describe, expect, it } from 'vitest';
import type { WireRR } from '../../src/zone/types.ts';
import {
  aaaaRR, aRR, canonicalIP, cnameRR, dashedIP, encodeName, ipFromReverse, nsRR, parseReverse, ptrKey, ptrRR, reverseName, soaRR, srvRR, txtRR,
} from '../../src/zone/wire.ts';

/** A response message holding the records uncompressed, parsed by dns2. */
function viaDns2(rrs: WireRR[]): Record<string, unknown>[] {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(0x8400, 2);
  header.writeUInt16BE(rrs.length, 6);
  const parts = rrs.map((r) => Buffer.concat([encodeName(r.owner), r.tail]));
  const pkt = dns2.Packet.parse(Buffer.concat([header, ...parts]));
  expect(pkt.errors).toEqual([]);
  return pkt.answers.map((a) => ({ ...a }));
}

describe('record encoders decode with dns2', () => {
  it.each([
    { name: 'A', rr: aRR('a.example', 5, '10.0.0.1'), want: { name: 'a.example', type: 1, class: 1, ttl: 5, address: '10.0.0.1' } },
    { name: 'AAAA', rr: aaaaRR('a.example', 5, 'fd00::1'), want: { type: 28, ttl: 5, address: 'fd00::1' } },
    {
      name: 'SRV', rr: srvRR('_http._tcp.web.example', 7, 0, 50, 8080, 'web-0.web.example'),
      want: { type: 33, ttl: 7, priority: 0, weight: 50, port: 8080, target: 'web-0.web.example' },
    },
    { name: 'CNAME', rr: cnameRR('x.example', 5, 'www.example.com'), want: { type: 5, domain: 'www.example.com' } },
    { name: 'PTR', rr: ptrRR('1.0.0.10.in-addr.arpa', 5, 'web.example'), want: { type: 12, domain: 'web.example' } },
    { name: 'NS', rr: nsRR('example', 5, 'ns.dns.example'), want: { type: 2, ns: 'ns.dns.example' } },
    {
      name: 'SOA', rr: soaRR('example', 5, { mname: 'ns.dns.example', rname: 'hostmaster.example', serial: 4000000000, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 }),
      want: { type: 6, primary: 'ns.dns.example', admin: 'hostmaster.example', serial: 4000000000, refresh: 7200, retry: 1800, expiration: 86400, minimum: 5 },
    },
    { name: 'TXT', rr: txtRR('dns-version.example', 28800, ['1.1.0']), want: { type: 16, ttl: 28800, data: ['1.1.0'] } },
  ])('$name', ({ rr, want }) => {
    const [got] = viaDns2([rr]);
    expect(got).toMatchObject(want);
  });

  it('the SRV target starts at tail offset 16 (the dns layer registers it for compression)', () => {
    const rr = srvRR('s.example', 5, 0, 100, 80, 'web-0.web');
    expect(Buffer.from(rr.tail.subarray(16)).equals(Buffer.from(encodeName('web-0.web')))).toBe(true);
  });
});

describe('names', () => {
  it.each([
    { name: '', bytes: [0] },
    { name: 'a.bc', bytes: [1, 97, 2, 98, 99, 0] },
  ])('encodes "$name"', ({ name, bytes }) => {
    expect([...encodeName(name)]).toEqual(bytes);
  });
  it.each([
    { name: 'a..b', err: /invalid DNS label/ },
    { name: `${'x'.repeat(64)}.example`, err: /invalid DNS label/ },
    { name: Array.from({ length: 9 }, () => 'y'.repeat(30)).join('.'), err: /longer than 255/ },
  ])('rejects $name', ({ name, err }) => {
    expect(() => encodeName(name)).toThrow(err);
  });
});

describe('addresses', () => {
  it.each([
    { ip: '10.244.1.30', dashed: '10-244-1-30', canon: '10.244.1.30' },
    { ip: 'fd00::', dashed: 'fd00--0', canon: 'fd00::' },
    { ip: '5678:abcd::1', dashed: '5678-abcd--1', canon: '5678:abcd::1' },
    { ip: 'FD00:0:0:0:10:0:0:7', dashed: 'fd00--10-0-0-7', canon: 'fd00::10:0:0:7' },
    { ip: '2001:db8:0:0:1:0:0:1', dashed: '2001-db8--1-0-0-1', canon: '2001:db8::1:0:0:1' },
    { ip: '2001:db8:1:1:1:1:1:1', dashed: '2001-db8-1-1-1-1-1-1', canon: '2001:db8:1:1:1:1:1:1' },
    { ip: '::ffff:10.0.0.1', dashed: '--ffff-a00-1', canon: '::ffff:a00:1' },
  ])('$ip: dashed $dashed, canonical $canon (RFC 5952, dns.md B.4)', ({ ip, dashed, canon }) => {
    expect(dashedIP(ip)).toBe(dashed);
    expect(canonicalIP(ip)).toBe(canon);
  });

  it('rejects non-IPs', () => {
    expect(canonicalIP('web-0')).toBeUndefined();
    expect(() => aRR('x', 5, 'fd00::1')).toThrow(/not an IPv4/);
  });

  it.each([
    { ip: '10.244.1.30', rev: '30.1.244.10.in-addr.arpa' },
    { ip: '2001:db8::567:89ab', rev: 'b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa' },
  ])('reverse name of $ip and back', ({ ip, rev }) => {
    expect(reverseName(ip)).toBe(rev);
    expect(ipFromReverse(rev)).toBe(canonicalIP(ip));
  });

  it.each(['1.244.10.in-addr.arpa', '01.1.244.10.in-addr.arpa', '256.1.1.10.in-addr.arpa', 'a.1.1.10.in-addr.arpa', '0.ip6.arpa', 'example.com'])(
    'partial or malformed reverse name %s has no address', (name) => {
      expect(ipFromReverse(name)).toBeUndefined();
    });
});

describe('reverse index keys', () => {
  it.each([
    { ip: '10.244.1.30', key: '10.244.1.30' },
    { ip: 'fd00::3:1', key: 'fd000000000000000000000000030001' },
  ])('the reverse name of $ip parses to its ptrKey', ({ ip, key }) => {
    expect(ptrKey(ip)).toBe(key);
    expect(parseReverse(reverseName(ip))).toEqual({ kind: 'full', key });
  });
  it.each([
    { name: '244.10.in-addr.arpa', want: { kind: 'partial', v6: false, prefix: '10.244', depth: 2 } },
    { name: 'in-addr.arpa', want: { kind: 'partial', v6: false, prefix: '', depth: 0 } },
    { name: 'd.f.ip6.arpa', want: { kind: 'partial', v6: true, prefix: 'fd', depth: 2 } },
    { name: '1.2.3.4.5.in-addr.arpa', want: undefined },
    { name: 'F.ip6.arpa', want: undefined },
    { name: '10.ip6.arpa', want: undefined },
    { name: 'example.com', want: undefined },
  ])('$name', ({ name, want }) => {
    expect(parseReverse(name)).toEqual(want);
  });
});
