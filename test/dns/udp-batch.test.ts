// The batched UDP path (native addon + answerBatch) must give exactly the replies the dgram
// path gives, byte for byte, whatever a batch mixes: valid queries, garbage, responses and
// oversized datagrams. Checked in process over 100,000 packets in random batch sizes, and over
// real sockets against a dgram server and a batch server answering the same zone.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler, type Handler } from '../../src/dns/handler.ts';
import { startDnsServer, type DnsServer } from '../../src/dns/server.ts';
import { answerBatch, listenUdpBatch, loadUdpAddon, type BatchViews, type SendFailure } from '../../src/dns/udp-batch.ts';
import { silentLogger } from '../../src/log.ts';
import { buildQuery, decode } from '../helpers/dns-client.ts';
import { rng } from '../helpers/rng.ts';
import { demoRecords, fakeLookup, fakeSource, snapshot } from './fake-zone.ts';
import { mixed } from './mutate.ts';

const zone = fakeSource(snapshot(demoRecords(20)));
const makeHandler = (): Handler => createHandler({ source: zone, lookup: fakeLookup, maxUdpSize: 1232, cacheSize: 100, log: silentLogger() });
/** What the dgram listener sends for `msg` (udp.ts: `handler.lease`, then send as is). */
const dgramReply = (h: Handler, msg: Buffer): Buffer | null => {
  const r = h.lease(msg);
  return r === null ? null : Buffer.from(r);
};

describe('the addon', () => {
  it('loads here (npm run build:native), with the slot sizes answerBatch relies on', () => {
    const load = loadUdpAddon();
    expect(load).toMatchObject({ ok: true });
    if (!load.ok) return;
    expect({ batch: load.addon.BATCH, inSlot: load.addon.IN_SLOT, outSlot: load.addon.OUT_SLOT }).toEqual({ batch: 64, inSlot: 65536, outSlot: 4096 });
  });
});

describe('answerBatch (in process)', () => {
  it('100,000 mixed packets in batches of 1-64: every reply slot equals the dgram reply', () => {
    const batch = 64;
    const inSlot = 65536;
    const outSlot = 4096;
    const views: BatchViews = {
      input: Buffer.alloc(batch * inSlot), output: Buffer.alloc(batch * outSlot), lens: new Int32Array(2 * batch), batch, inSlot, outSlot,
      peer: { index: 0, address: () => '127.0.0.1' },
    };
    const viaBatch = makeHandler();
    const viaDgram = makeHandler();
    const r = rng(1313);
    let answered = 0;
    let dropped = 0;
    for (let done = 0; done < 100_000;) {
      const n = Math.min(1 + Math.floor(r() * batch), 100_000 - done);
      const msgs = Array.from({ length: n }, () => mixed(r));
      msgs.forEach((m, i) => {
        m.copy(views.input, i * inSlot);
        views.lens[i] = m.length;
        views.lens[batch + i] = 1234; // stale from an earlier batch: must be overwritten
      });
      answerBatch(viaBatch, silentLogger(), views, n);
      msgs.forEach((m, i) => {
        const want = dgramReply(viaDgram, m);
        const len = views.lens[batch + i]!;
        const got = len < 0 ? null : Buffer.from(views.output.subarray(i * outSlot, i * outSlot + len));
        if (got === null || want === null) expect(got).toEqual(want);
        else if (!got.equals(want)) expect(got.toString('hex')).toBe(want.toString('hex'));
        if (want === null) dropped++; else answered++;
      });
      done += n;
    }
    expect(answered).toBeGreaterThan(40_000);
    expect(dropped).toBeGreaterThan(10_000);
  });

  it('a handler that throws drops that one reply; the rest of the batch is answered', () => {
    const h = makeHandler();
    let calls = 0;
    const throwing = Object.assign((m: Buffer, tcp: boolean) => h(m, tcp), {
      lease: (m: Buffer) => { if (++calls === 2) throw new Error('boom'); return h.lease(m); },
      keep: () => h.keep(),
    }) as Handler;
    const views: BatchViews = { input: Buffer.alloc(3 * 512), output: Buffer.alloc(3 * 512), lens: new Int32Array(6), batch: 3, inSlot: 512, outSlot: 512, peer: { index: 0, address: () => '127.0.0.1' } };
    const q = buildQuery('web-1.nginx.default.svc.cluster.local', 1);
    for (let i = 0; i < 3; i++) { q.copy(views.input, i * 512); views.lens[i] = q.length; }
    answerBatch(throwing, silentLogger(), views, 3);
    expect([views.lens[3]! > 0, views.lens[4], views.lens[5]! > 0]).toEqual([true, -1, true]);
  });
});

/** Send `msgs` from one socket (IDs already unique) and collect replies by ID until `want` came. */
async function exchange(sock: dgram.Socket, port: number, msgs: Buffer[], want: number): Promise<Map<number, Buffer>> {
  const got = new Map<number, Buffer>();
  let extra = 0;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${got.size} replies of ${want} (${extra} duplicates)`)), 5000);
    const on = (m: Buffer): void => {
      if (got.has(m.readUInt16BE(0))) extra++;
      got.set(m.readUInt16BE(0), m);
      if (got.size >= want) { clearTimeout(timer); sock.off('message', on); resolve(); }
    };
    sock.on('message', on);
    if (want === 0) { clearTimeout(timer); sock.off('message', on); resolve(); }
  });
  for (const m of msgs) sock.send(m, port, '127.0.0.1');
  await done;
  // Anything more than expected would arrive right behind the last expected reply.
  await new Promise((res) => setImmediate(res));
  expect(extra).toBe(0);
  return got;
}

describe('batch server vs dgram server (sockets)', () => {
  const servers: Record<'dgram' | 'batch', DnsServer | undefined> = { dgram: undefined, batch: undefined };
  const clients: dgram.Socket[] = [];
  beforeAll(async () => {
    for (const udpIo of ['dgram', 'batch'] as const) {
      servers[udpIo] = await startDnsServer({
        listen: '127.0.0.1:0', source: zone, lookup: fakeLookup, maxUdpSize: 1232, tcpIdleTimeoutMs: 5000, tcpMaxConnections: 10,
        cacheSize: 100, log: silentLogger(), udpIo,
      });
      const c = dgram.createSocket('udp4');
      await new Promise<void>((res) => c.bind(0, '127.0.0.1', () => res()));
      c.setRecvBufferSize(4 * 1024 * 1024);
      clients.push(c);
    }
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(Object.values(servers).map((s) => s?.close()));
  });

  it('100,000 mixed datagrams in bursts: the same replies, byte for byte; nothing dropped', { timeout: 120_000 }, async () => {
    const expectHandler = makeHandler();
    const r = rng(2626);
    // 128 replies of at most 1,232 bytes stay well inside even a default 208 KiB client buffer.
    const burst = 128;
    let compared = 0;
    let sent = 0;
    for (; sent < 100_000; sent += burst) {
      const msgs = Array.from({ length: burst }, (_, i) => {
        const m = mixed(r, 20_000);
        if (m.length >= 2) m.writeUInt16BE(i, 0); // unique ID in the burst: replies are matched by it
        return m;
      });
      const want = msgs.filter((m) => expectHandler.lease(m) !== null).length;
      const [fromDgram, fromBatch] = await Promise.all([
        exchange(clients[0]!, servers.dgram!.port, msgs, want),
        exchange(clients[1]!, servers.batch!.port, msgs, want),
      ]);
      expect(fromBatch.size).toBe(fromDgram.size);
      for (const [id, d] of fromDgram) {
        const b = fromBatch.get(id);
        if (b === undefined || !b.equals(d)) expect(b?.toString('hex')).toBe(d.toString('hex'));
      }
      compared += fromDgram.size;
    }
    expect(compared).toBeGreaterThan(40_000);
    const stats = servers.batch!.udpStats()!;
    expect(stats.received).toBe(sent);
    expect(stats.sent).toBe(compared);
    expect({ dropped: stats.dropped, sendErrors: stats.sendErrors, callbackErrors: stats.callbackErrors }).toEqual({ dropped: 0, sendErrors: 0, callbackErrors: 0 });
    // Bursts arrive faster than one datagram per wakeup: the batches really hold several.
    expect(stats.batches).toBeLessThan(stats.received / 2);
  });

  it('a valid query still gets its answer afterwards', async () => {
    const m = buildQuery('web-3.nginx.default.svc.cluster.local', 1, { id: 77 });
    const got = await exchange(clients[1]!, servers.batch!.port, [m], 1);
    expect(decode(got.get(77)!).answers[0]!.address).toBe('10.244.0.4');
  });
});

describe('send failures (batched path)', () => {
  // The kernel frees a loopback datagram's buffer as it hands it over, so a full send buffer is
  // injected: the next sendmmsg fails with the code, as it would on a congested interface.
  it.each([
    { code: 'EAGAIN', dropsTheRest: true },
    { code: 'ENOBUFS', dropsTheRest: true },
    { code: 'EACCES', dropsTheRest: false },
  ] as { code: SendFailure; dropsTheRest: boolean }[])('$code: the replies it hit are dropped and counted, and the loop goes on', async ({ code, dropsTheRest }) => {
    const load = loadUdpAddon();
    if (!load.ok) throw new Error(load.reason);
    const listener = listenUdpBatch(load.addon, '127.0.0.1', 0, 4, makeHandler(), silentLogger(), false, 1 << 20);
    const client = dgram.createSocket('udp4');
    await new Promise<void>((res) => client.bind(0, '127.0.0.1', () => res()));
    try {
      const query = (id: number): Buffer => buildQuery(`web-${id % 20}.nginx.default.svc.cluster.local`, 1, { id });
      // Warm: one answered query.
      await exchange(client, listener.port, [query(1)], 1);
      listener.injectSendFailures(1, code);
      // A burst: one or more batches; the first send of the first one fails.
      const burst = Array.from({ length: 40 }, (_, i) => query(100 + i));
      const replies = new Map<number, Buffer>();
      client.on('message', (m: Buffer) => replies.set(m.readUInt16BE(0), m));
      for (const m of burst) client.send(m, listener.port, '127.0.0.1');
      const until = Date.now() + 5000;
      const settled = (): boolean => { const s = listener.stats(); return s.received === 41 && s.sent + s.dropped + s.sendErrors === 41; };
      while (!settled() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      const s = listener.stats();
      expect(s.received).toBe(41);
      expect(s.sent + s.dropped + s.sendErrors).toBe(41);
      if (dropsTheRest) {
        // Every reply of the failed batch is dropped (at least the one the send was for), none refused.
        expect(s.dropped).toBeGreaterThanOrEqual(1);
        expect(s.sendErrors).toBe(0);
      } else {
        // A refusal costs that one reply only; the rest of its batch still goes.
        expect({ dropped: s.dropped, sendErrors: s.sendErrors }).toEqual({ dropped: 0, sendErrors: 1 });
      }
      await new Promise((r) => setTimeout(r, 50));
      expect(replies.size).toBe(s.sent - 1);
      client.removeAllListeners('message');
      // Not stalled: the next queries are all answered.
      const after = await exchange(client, listener.port, Array.from({ length: 10 }, (_, i) => query(200 + i)), 10);
      expect(after.size).toBe(10);
      expect(listener.stats()).toMatchObject({ received: 51, sent: s.sent + 10, dropped: s.dropped, sendErrors: s.sendErrors });
    } finally {
      client.close();
      await listener.close();
    }
  });
});
