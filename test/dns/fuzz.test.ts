// Thousands of random and mutated packets over UDP and TCP: the server must never throw,
// and must still answer a valid query afterwards. Replies to garbage, when any, must be
// well-formed messages (dns2 decodes them) with QR set and the query's ID.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../src/dns/handler.ts';
import { startDnsServer, type DnsServer } from '../../src/dns/server.ts';
import { silentLogger } from '../../src/log.ts';
import { parseQuery, scanQuery } from '../../src/dns/wire.ts';
import { buildQuery, decode, frame, readFrames, tcpConnect, udpExchange } from '../helpers/dns-client.ts';
import { UDP_PATHS } from './udp-paths.ts';
import { rng } from '../helpers/rng.ts';
import { mutate, seeds } from './mutate.ts';
import { demoRecords, fakeLookup, fakeSource, snapshot } from './fake-zone.ts';

describe('handler fuzz (in process)', () => {
  it('20,000 mutated packets: no throw; replies decode and carry QR and the ID', () => {
    const h = createHandler({ source: fakeSource(snapshot(demoRecords(20))), lookup: fakeLookup, maxUdpSize: 1232, cacheSize: 100, log: silentLogger() });
    const r = rng(42);
    let answered = 0;
    for (let i = 0; i < 20_000; i++) {
      const msg = mutate(r);
      const tcp = r() < 0.3;
      const reply = h(msg, tcp);
      if (!reply) continue;
      answered++;
      expect(reply.length).toBeLessThanOrEqual(tcp ? 65535 : 1232);
      expect(reply[2]! & 0x80).toBe(0x80);
      expect(reply.readUInt16BE(0)).toBe(msg.readUInt16BE(0));
      const p = decode(reply);
      expect(p.errors).toEqual([]);
    }
    expect(answered).toBeGreaterThan(1000);
  });

  it('the cached hot path replies byte for byte as the uncached path does', () => {
    const make = (cacheSize: number) => createHandler({ source: fakeSource(snapshot(demoRecords(20))), lookup: fakeLookup, maxUdpSize: 1232, cacheSize, log: silentLogger() });
    const cached = make(100);
    const plain = make(0);
    const r = rng(7);
    let hits = 0;
    for (let i = 0; i < 20_000; i++) {
      // Half the time an intact seed, so that the cache is hit often, with a random ID and case.
      const msg = r() < 0.5 ? Buffer.from(seeds[Math.floor(r() * seeds.length)]!) : mutate(r);
      if (msg.length > 2) msg.writeUInt16BE(Math.floor(r() * 65536), 0);
      if (msg.length > 20 && r() < 0.5) msg[13] = msg[13]! ^ 0x20;
      const tcp = r() < 0.3;
      const want = plain(msg, tcp);
      const got = tcp || r() < 0.5 ? cached(msg, tcp) : cached.lease(msg);
      expect(got === null ? null : Buffer.from(got)).toEqual(want);
      if (scanQuery(msg) !== null) hits++;
    }
    expect(hits).toBeGreaterThan(5000);
  });

  it('scanQuery accepts only what parseQuery accepts, and reads the same fields', () => {
    const r = rng(11);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const msg = mutate(r);
      const scan = scanQuery(msg);
      if (scan === null) continue;
      accepted++;
      const parsed = parseQuery(msg);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      const q = parsed.query;
      expect({ nameEnd: scan.nameEnd, edns: scan.edns, udpSize: scan.udpSize, dnssecOk: scan.dnssecOk })
        .toEqual({ nameEnd: q.questionEnd - 4, edns: q.edns !== null, udpSize: q.edns?.udpSize ?? 512, dnssecOk: q.edns?.dnssecOk ?? false });
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});

describe.each(UDP_PATHS)('server fuzz (sockets), udp-io %s', (udpIo) => {
  let srv: DnsServer;
  beforeAll(async () => {
    srv = await startDnsServer({
      listen: '127.0.0.1:0', source: fakeSource(snapshot(demoRecords(20))), lookup: fakeLookup, maxUdpSize: 1232,
      tcpIdleTimeoutMs: 5000, tcpMaxConnections: 100, cacheSize: 100, log: silentLogger(), udpIo,
    });
    expect(srv.udpIo).toBe(udpIo);
  });
  afterAll(() => srv.close());

  const valid = (): Buffer => buildQuery('web-3.nginx.default.svc.cluster.local', 1, { id: 4242 });

  it('UDP: 3,000 mutated datagrams, then a valid query is answered', async () => {
    const r = rng(7);
    const dgram = await import('node:dgram');
    const sock = dgram.createSocket('udp4');
    for (let i = 0; i < 3000; i++) {
      sock.send(mutate(r), srv.port, '127.0.0.1');
      if (i % 200 === 0) await new Promise((res) => setImmediate(res));
    }
    await new Promise((res) => setTimeout(res, 100));
    sock.close();
    const p = decode(await udpExchange(srv.port, valid()));
    expect(p.header.id).toBe(4242);
    expect(p.answers[0]!.address).toBe('10.244.0.4');
  });

  it('TCP: 2,000 mutated frames on one connection, then a valid query on it is answered', async () => {
    const r = rng(9);
    const sock = await tcpConnect(srv.port);
    sock.on('data', () => { /* replies to garbage are not checked here */ });
    sock.write(Buffer.concat(Array.from({ length: 2000 }, () => frame(mutate(r)))));
    await new Promise((res) => setTimeout(res, 200));
    sock.removeAllListeners('data');
    const replies = readFrames(sock, 1);
    sock.write(frame(valid()));
    const [reply] = await replies;
    sock.destroy();
    expect(decode(reply!).header.id).toBe(4242);
  });

  it('TCP: raw garbage streams (bad lengths, half frames) never break the listener', async () => {
    const r = rng(11);
    for (let c = 0; c < 30; c++) {
      const s = await tcpConnect(srv.port);
      s.on('error', () => undefined);
      const junk = Buffer.alloc(Math.floor(r() * 3000));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(r() * 256);
      s.end(junk);
    }
    const s = await tcpConnect(srv.port);
    const replies = readFrames(s, 1);
    s.write(frame(valid()));
    expect(decode((await replies)[0]!).answers[0]!.address).toBe('10.244.0.4');
    s.destroy();
  });
});
