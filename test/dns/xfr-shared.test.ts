// Shared AXFR encodings over real sockets: concurrent transfers of one snapshot stream the same
// records behind their own header, question and TSIG chain; the encoding is byte for byte what
// encoding per transfer gives; snapshots never mix; unused superseded encodings are dropped.
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeChunk } from '../../src/dns/encode.ts';
import { findTsig, signRequest, verifyResponse } from '../../src/dns/tsig.ts';
import { parseQuery } from '../../src/dns/wire.ts';
import { XFR_MESSAGE_SIZE } from '../../src/dns/xfr.ts';
import type { Snapshot } from '../../src/zone/snapshot.ts';
import { findZone, zoneRecords } from '../../src/zone/transfer.ts';
import { buildQuery, frame } from '../helpers/dns-client.ts';
import { KEY, ixfrQuery, kubiaPod, readTransfer, serve, soaSerial, transfer, type Served } from './xfr-helpers.ts';

const ZONE = 'cluster.local';
let served: Served | undefined;
afterEach(async () => { await served?.server.close(); served = undefined; });

const axfr = (name = ZONE, id = 0x1111, rd = false): Buffer => buildQuery(name, 252, { id, rd });
/** Offset just past the question of a transfer message (one question, never compressed). */
const questionEnd = (m: Buffer): number => { let p = 12; while (m[p]! !== 0) p += m[p]! + 1; return p + 5; };
/** The message as it was before its TSIG was appended (RFC 8945 §4.3.2). */
function unsigned(m: Buffer): Buffer {
  const at = findTsig(m)!.at;
  const u = Buffer.from(m.subarray(0, at));
  u.writeUInt16BE(u.readUInt16BE(10) - 1, 10);
  return u;
}

/** Whether any message holds the label `kubia-0` (an owner or SRV target of pod 0), read without decoding. */
const hasPod0 = (msgs: Buffer[]): boolean => msgs.some((m) => m.includes(Buffer.from('\x07kubia-0', 'latin1')));

/** Transfers end on the server at the step after their last message; wait for that. */
async function settled(s: Served): Promise<void> {
  const t0 = Date.now();
  while (s.server.xfr.active() > 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
}

/** A client that asks for `query` and then reads nothing: its transfer stalls mid-way. */
async function stalledTransfer(port: number, query: Buffer): Promise<net.Socket> {
  const sock = net.connect({ port, host: '127.0.0.1' });
  await new Promise((r) => sock.once('connect', r));
  sock.pause();
  sock.write(frame(query));
  return sock;
}

describe('shared AXFR encoding', () => {
  it('concurrent transfers of one snapshot: the same records behind each one\'s ID, RD, question and TSIG chain', async () => {
    served = await serve(3000);
    const port = served.server.port;
    const sec = Math.floor(Date.now() / 1000);
    const signed = signRequest(axfr(ZONE, 0x3333), KEY, sec);
    const asks = [
      { q: axfr(ZONE, 0x1111, false), id: 0x1111, rd: 0 },
      { q: axfr('CLUSTER.Local', 0x2222, true), id: 0x2222, rd: 1 }, // 0x20 case is echoed
      { q: signed.msg, id: 0x3333, rd: 0 },
      { q: ixfrQuery(ZONE, 12345, 0x4444), id: 0x4444, rd: 0 }, // unknown serial: AXFR-style, same records
    ];
    const streams = await Promise.all(asks.map((a) => transfer(port, a.q)));
    const [plain, cased, tsig, ixfr] = streams;
    expect(plain!.length).toBeGreaterThan(3);
    for (const s of streams) expect(s).toHaveLength(plain!.length);
    for (const [i, s] of streams.entries()) {
      const a = asks[i]!;
      for (const m of s) expect([m.readUInt16BE(0), m[2]! & 0x01, m[3]! & 0x0f]).toEqual([a.id, a.rd, 0]);
      // Each echoes its own question bytes: name case and QTYPE.
      expect(s[0]!.subarray(12, questionEnd(s[0]!))).toEqual(a.q.subarray(12, questionEnd(a.q)));
    }
    for (let k = 0; k < plain!.length; k++) {
      const body = plain![k]!.subarray(questionEnd(plain![k]!));
      const counts = plain![k]!.subarray(4, 12);
      expect(cased![k]!.subarray(questionEnd(cased![k]!))).toEqual(body);
      expect(ixfr![k]!.subarray(questionEnd(ixfr![k]!))).toEqual(body);
      const u = unsigned(tsig![k]!);
      expect(u.subarray(questionEnd(u))).toEqual(body);
      expect(u.subarray(4, 12)).toEqual(counts);
      expect(cased![k]!.subarray(4, 12)).toEqual(counts);
    }
    // The signed transfer's MACs chain (§5.3.1): the first over the request MAC and all TSIG
    // variables, each later one over the previous MAC, the message and the timers only.
    expect(verifyResponse(tsig![0]!, KEY, signed.mac)).toBe(true);
    let prev = findTsig(tsig![0]!)!.mac;
    for (const m of tsig!.slice(1)) {
      const rec = findTsig(m)!;
      const timers = Buffer.alloc(8);
      timers.writeUIntBE(rec.timeSigned, 0, 6);
      timers.writeUInt16BE(rec.fudge, 6);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(prev.length, 0);
      const mac = createHmac('sha256', KEY.secret).update(len).update(prev).update(unsigned(m)).update(timers).digest();
      expect(rec.mac).toEqual(mac);
      expect(rec.originalId).toBe(0x3333);
      prev = rec.mac;
    }
    // One encoding served all four, and stays for the next transfer of this snapshot.
    await settled(served);
    expect([served.server.xfr.active(), served.server.xfr.shared()]).toEqual([0, 1]);
  }, 30_000);

  it.each([
    { name: 'no EDNS', edns: undefined },
    { name: 'EDNS with DO', edns: { udpSize: 1232, dnssecOk: true } },
  ])('is byte for byte the per-transfer encoding ($name)', async ({ edns }) => {
    served = await serve(2000);
    const query = buildQuery(ZONE, 252, { id: 0x5555, rd: true, edns });
    const got = await transfer(served.server.port, query);
    const parsed = parseQuery(query);
    if (!parsed.ok) throw new Error('bad query');
    const q = parsed.query;
    const snap = served.source.current() as Snapshot;
    const zone = findZone(snap, ZONE)!;
    const rrs = [zone.apex.soa, ...zoneRecords(snap, zone), zone.apex.soa];
    const want: Buffer[] = [];
    const opt = edns ? { payload: 65535, dnssecOk: edns.dnssecOk } : null;
    for (let from = 0; from < rrs.length;) {
      const { buf, next } = encodeChunk({ id: q.id, msg: query, question: { nameKey: q.nameKey, end: q.questionEnd }, rrs, from, limit: XFR_MESSAGE_SIZE - 512, edns: from === 0 ? opt : null });
      want.push(buf);
      from = next;
    }
    expect(got).toEqual(want);
  }, 30_000);

  it('a change mid-transfer: each transfer keeps its snapshot, and unused superseded encodings are dropped', async () => {
    // 10 named ports: a zone too big for the kernel's socket buffers, so a paused reader stays mid-transfer.
    served = await serve(10_000, {}, 20_000, 10);
    const s = served;
    const slow = await stalledTransfer(s.server.port, axfr(ZONE, 0x0101));
    const t0 = Date.now();
    while (s.server.xfr.shared() === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    expect(s.server.xfr.active()).toBe(1);
    const before = (s.source.current() as Snapshot).serial;

    const next = s.change((m) => { m.remove(kubiaPod(0)); });
    expect(next).not.toBe(before);
    // The old encoding is still in use; the new snapshot gets its own.
    expect(s.server.xfr.shared()).toBe(1);
    const fresh = await transfer(s.server.port, axfr(ZONE, 0x0202));
    expect(s.server.xfr.shared()).toBe(2);
    expect(soaSerial(fresh[0]!, 0)).toBe(next);
    expect(soaSerial(fresh[fresh.length - 1]!, fresh[fresh.length - 1]!.readUInt16BE(6) - 1)).toBe(next);
    expect(hasPod0(fresh)).toBe(false);

    slow.resume();
    const old = await readTransfer(slow, Buffer.alloc(0)).finally(() => slow.destroy());
    const last = old[old.length - 1]!;
    expect([soaSerial(old[0]!, 0), soaSerial(last, last.readUInt16BE(6) - 1)]).toEqual([before, before]);
    expect(hasPod0(old)).toBe(true); // the same check finds pod 0 in the old snapshot
    // Finished and superseded: dropped; the latest snapshot's encoding is kept for the next AXFR.
    await settled(s);
    expect([s.server.xfr.active(), s.server.xfr.shared()]).toEqual([0, 1]);
    // The zone changes with no transfer running: the now superseded one goes too.
    s.change((m) => { m.remove(kubiaPod(1)); });
    expect(s.server.xfr.shared()).toBe(0);
  }, 60_000);

  it('a stalled client closed by the idle timeout lets go of its encoding', async () => {
    served = await serve(10_000, {}, 300, 10);
    const s = served;
    const sock = await stalledTransfer(s.server.port, axfr());
    await new Promise((r) => setTimeout(r, 150));
    expect([s.server.xfr.active(), s.server.xfr.shared()]).toEqual([1, 1]);
    // Superseded while still held by the stalled transfer: kept until the transfer ends.
    s.change((m) => { m.remove(kubiaPod(0)); });
    expect(s.server.xfr.shared()).toBe(1);
    await settled(s);
    expect([s.server.xfr.active(), s.server.xfr.shared()]).toEqual([0, 0]);
    sock.destroy();
  }, 30_000);
});
