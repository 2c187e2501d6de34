import { spawnSync } from 'node:child_process';
import { promises as dnsp } from 'node:dns';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer, type DnsServerOptions } from '../../src/dns/server.ts';
import { silentLogger } from '../../src/log.ts';
import { buildQuery, decode, frame, readFrames, tcpConnect, tcpExchange, udpExchange } from '../helpers/dns-client.ts';
import { demoRecords, fakeLookup, fakeSource, snapshot } from './fake-zone.ts';
import { UDP_PATHS } from './udp-paths.ts';

const SRV = '_http._tcp.nginx.default.svc.cluster.local';

function start(over: Partial<DnsServerOptions> = {}, pods = 100): Promise<DnsServer> {
  return startDnsServer({
    listen: '127.0.0.1:0', source: fakeSource(snapshot(demoRecords(pods))), lookup: fakeLookup,
    maxUdpSize: 1232, tcpIdleTimeoutMs: 10_000, tcpMaxConnections: 1000, cacheSize: 1000, log: silentLogger(), ...over,
  });
}

function closed(sock: net.Socket): Promise<void> {
  return new Promise((resolve) => { if (sock.destroyed) resolve(); else sock.once('close', () => resolve()); });
}

describe.each(UDP_PATHS)('against c-ares (Node resolver), udp-io %s', (udpIo) => {
  let srv: DnsServer;
  let resolver: dnsp.Resolver;
  beforeAll(async () => {
    srv = await start({ udpIo });
    expect(srv.udpIo).toBe(udpIo);
    resolver = new dnsp.Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${srv.port}`]);
  });
  afterAll(() => srv.close());

  it.each([
    { name: 'A', run: (r: dnsp.Resolver) => r.resolve4('web-2.nginx.default.svc.cluster.local'), want: ['10.244.0.3'] },
    { name: 'A, mixed case', run: (r: dnsp.Resolver) => r.resolve4('Web-2.NGINX.default.svc.cluster.local'), want: ['10.244.0.3'] },
    { name: 'AAAA', run: (r: dnsp.Resolver) => r.resolve6('web-0.nginx.default.svc.cluster.local'), want: ['fd00::1'] },
    { name: 'PTR', run: (r: dnsp.Resolver) => r.reverse('10.244.0.5'), want: ['web-4.nginx.default.svc.cluster.local'] },
    { name: 'TXT', run: (r: dnsp.Resolver) => r.resolveTxt('dns-version.cluster.local'), want: [['1.1.0']] },
    { name: 'CNAME', run: (r: dnsp.Resolver) => r.resolveCname('ext.default.svc.cluster.local'), want: ['example.com'] },
    { name: 'ClusterIP A', run: (r: dnsp.Resolver) => r.resolve4('api.default.svc.cluster.local'), want: ['10.96.0.10'] },
  ])('$name', async ({ run, want }) => {
    expect(await run(resolver)).toEqual(want);
  });

  it('NXDOMAIN', async () => {
    await expect(resolver.resolve4('nope.default.svc.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('100-target SRV: c-ares gets TC over UDP, retries over TCP and sees all 100', async () => {
    const got = await resolver.resolveSrv(SRV);
    expect(got.length).toBe(100);
    expect(new Set(got.map((r) => r.name)).size).toBe(100);
  });

  it.each([
    { name: 'no EDNS', edns: undefined, limit: 512 },
    { name: 'EDNS 4096 capped at 1232', edns: { udpSize: 4096 }, limit: 1232 },
  ])('100-target SRV over UDP ($name): TC, whole records only', async ({ edns, limit }) => {
    const raw = await udpExchange(srv.port, buildQuery(SRV, 33, edns ? { edns } : {}));
    expect(raw.length).toBeLessThanOrEqual(limit);
    const p = decode(raw);
    expect(p.header.tc).toBe(1);
    expect(p.answers.length).toBeGreaterThan(0);
    expect(p.answers.every((a) => a.type === 33 && /^web-\d+\.nginx\./.test(a.target!))).toBe(true);
  });

  it('100-target SRV over TCP: everything (~7.8 KB)', async () => {
    const [raw] = await tcpExchange(srv.port, [buildQuery(SRV, 33, { edns: { udpSize: 1232 } })]);
    const p = decode(raw!);
    expect(p.header.tc).toBe(0);
    expect(p.answers.length).toBe(100);
    expect(p.additionals.filter((r) => r.type === 1).length).toBe(100);
    expect(raw!.length).toBeGreaterThan(7000);
  });
});

describe('TCP framing', () => {
  let srv: DnsServer;
  beforeAll(async () => { srv = await start({}, 5); });
  afterAll(() => srv.close());

  it('answers pipelined queries in order', async () => {
    const names = ['web-0', 'web-1', 'web-2', 'web-3', 'nope'].map((n) => `${n}.nginx.default.svc.cluster.local`);
    const replies = await tcpExchange(srv.port, names.map((n, i) => buildQuery(n, 1, { id: 100 + i })));
    expect(replies.map((r) => decode(r).header.id)).toEqual([100, 101, 102, 103, 104]);
    expect(replies.map((r) => decode(r).answers[0]?.address ?? decode(r).header.rcode)).toEqual(['10.244.0.1', '10.244.0.2', '10.244.0.3', '10.244.0.4', 3]);
  });

  it('reassembles frames split across writes, byte by byte', async () => {
    const sock = await tcpConnect(srv.port);
    const bytes = Buffer.concat([frame(buildQuery('web-4.nginx.default.svc.cluster.local', 1, { id: 9 })), frame(buildQuery('api.default.svc.cluster.local', 1, { id: 10 }))]);
    const replies = readFrames(sock, 2);
    for (const b of bytes) {
      sock.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    const got = (await replies).map(decode);
    sock.destroy();
    expect(got.map((p) => [p.header.id, p.answers[0]!.address])).toEqual([[9, '10.244.0.5'], [10, '10.96.0.10']]);
  });

  it('ignores garbage frames and keeps the connection', async () => {
    const sock = await tcpConnect(srv.port);
    const replies = readFrames(sock, 1);
    sock.write(Buffer.concat([Buffer.alloc(0), Buffer.from([1, 2, 3]), buildQuery('api.default.svc.cluster.local', 1, { id: 5 })].map(frame)));
    const [only] = await replies;
    sock.destroy();
    expect(decode(only!).header.id).toBe(5);
  });
});

describe('TCP limits and shutdown', () => {
  it('closes idle connections after the timeout', async () => {
    const srv = await start({ tcpIdleTimeoutMs: 150 }, 3);
    const sock = await tcpConnect(srv.port);
    const t0 = Date.now();
    await closed(sock);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(Date.now() - t0).toBeLessThan(2000);
    await srv.close();
  });

  it('refuses connections beyond the limit; the others keep working', async () => {
    const srv = await start({ tcpMaxConnections: 2 }, 3);
    const a = await tcpConnect(srv.port);
    const b = await tcpConnect(srv.port);
    await new Promise((r) => setTimeout(r, 50));
    const c = await tcpConnect(srv.port);
    await closed(c);
    for (const s of [a, b]) {
      const r = readFrames(s, 1);
      s.write(frame(buildQuery('api.default.svc.cluster.local', 1)));
      expect(decode((await r)[0]!).answers.length).toBe(1);
    }
    a.destroy();
    await closed(a);
    await new Promise((r) => setTimeout(r, 50));
    const [again] = await tcpExchange(srv.port, [buildQuery('api.default.svc.cluster.local', 1)]);
    expect(decode(again!).answers.length).toBe(1);
    b.destroy();
    await srv.close();
  });

  it.each(UDP_PATHS)('close() drops open connections and stops listening (udp-io %s)', async (udpIo) => {
    const srv = await start({ udpIo }, 3);
    const sock = await tcpConnect(srv.port);
    await srv.close();
    await closed(sock);
    await expect(tcpConnect(srv.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(udpExchange(srv.port, buildQuery('api.default.svc.cluster.local', 1), '127.0.0.1', 300)).rejects.toThrow();
  });
});

describe.each(UDP_PATHS)('addresses, udp-io %s', (udpIo) => {
  it('serves on [::1]', async () => {
    const srv = await start({ listen: '[::1]:0', udpIo }, 3);
    const p = decode(await udpExchange(srv.port, buildQuery('api.default.svc.cluster.local', 1), '::1'));
    const [t] = await tcpExchange(srv.port, [buildQuery('api.default.svc.cluster.local', 1)], '::1');
    expect(p.answers[0]!.address).toBe('10.96.0.10');
    expect(decode(t!).answers[0]!.address).toBe('10.96.0.10');
    await srv.close();
  });
  it('rejects a bad listen address', async () => {
    await expect(start({ listen: 'localhost:53', udpIo })).rejects.toThrow(/not an IP address/);
  });
});

describe('TCP backpressure', () => {
  // The replies of one read go out from one buffer that the listener reuses across connections
  // while writes complete at once (tcp.ts ReplyArena): a write left queued must keep its bytes
  // while other connections are answered. Every reply is checked by ID and content.
  it('a client that pipelines 2,000 big queries before reading gets every answer, intact, while another connection is served', async () => {
    const srv = await start({}, 100);
    const sock = await tcpConnect(srv.port);
    sock.pause();
    const ask = (i: number): Buffer => (i % 3 === 0 ? buildQuery('api.default.svc.cluster.local', 1, { id: i }) : buildQuery(SRV, 33, { id: i }));
    sock.write(Buffer.concat(Array.from({ length: 2000 }, (_, i) => frame(ask(i)))));
    await new Promise((r) => setTimeout(r, 300));
    // Meanwhile, another client, as big: its answers reuse the listener's buffer, past the part
    // of the first client's answers that the kernel took.
    const other = await tcpExchange(srv.port, Array.from({ length: 2000 }, (_, i) => ask(i)));
    expect(other.map((r) => decode(r).header.id)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    const replies = readFrames(sock, 2000, 20_000);
    sock.resume();
    const got = (await replies).map((r) => decode(r));
    expect(got.map((p) => p.header.id)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    got.forEach((p, i) => {
      if (i % 3 === 0) expect(p.answers.map((a) => a.address)).toEqual(['10.96.0.10']);
      else expect(p.answers.length).toBe(100);
    });
    sock.destroy();
    await srv.close();
  });
});

describe.each(UDP_PATHS)('a datagram from source port 0 (RFC 768: no reply expected), udp-io %s', (udpIo) => {
  // Node cannot send from port 0; a raw socket can (tests run as root, as CI does).
  const RAW = `
import socket, struct, sys
port, q = int(sys.argv[1]), bytes.fromhex(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
s.sendto(struct.pack('!HHHH', 0, port, 8 + len(q), 0) + q, ('127.0.0.1', 0))
`;
  it('is not answered, and the server keeps serving', async () => {
    const srv = await start({ udpIo }, 3);
    try {
      const q = buildQuery('api.default.svc.cluster.local', 1);
      const r = spawnSync('python3', ['-c', RAW, String(srv.port), q.toString('hex')], { encoding: 'utf8' });
      expect(r.error ?? r.stderr).toBe('');
      await new Promise((res) => setTimeout(res, 100));
      expect(decode(await udpExchange(srv.port, q)).answers[0]!.address).toBe('10.96.0.10');
      if (udpIo === 'batch') expect(srv.udpStats()).toMatchObject({ received: 2, sent: 1, sendErrors: 0 });
    } finally {
      await srv.close();
    }
  });
});
