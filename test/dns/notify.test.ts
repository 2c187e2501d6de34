// NOTIFY (RFC 1996) to a fake secondary on a real UDP socket: the message, retries until it is
// acknowledged, and coalescing of a burst of new serials into one follow-up NOTIFY.
import dgram from 'node:dgram';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startNotifier, type Notifier } from '../../src/dns/notify.ts';
import { findTsig, signRequest } from '../../src/dns/tsig.ts';
import { ClusterModel } from '../../src/zone/model.ts';
import type { Snapshot } from '../../src/zone/snapshot.ts';
import { decode } from '../helpers/dns-client.ts';
import { config, NOW } from '../zone/cluster.ts';
import { namespace } from '../zone/fixtures.ts';
import { KEY } from './xfr-helpers.ts';

interface Secondary { port: number; got: Buffer[]; ack(i: number): void; close(): void }

async function secondary(): Promise<Secondary> {
  const sock = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  const from: dgram.RemoteInfo[] = [];
  sock.on('message', (m, r) => { got.push(m); from.push(r); });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return {
    port: sock.address().port, got,
    // The reply: same ID, QR set, opcode NOTIFY, the question echoed (§4.7), signed like a real secondary would.
    ack(i: number) {
      const q = got[i]!;
      const qEnd = q.indexOf(0, 12) + 5; // root label, QTYPE, QCLASS
      const reply = Buffer.from(q.subarray(0, qEnd));
      reply[2] = 0x80 | (4 << 3) | 0x04;
      reply.writeUInt16BE(0, 6);
      reply.writeUInt16BE(0, 10);
      sock.send(reply, from[i]!.port, from[i]!.address);
    },
    close: () => sock.close(),
  };
}

function sealedSnapshots(n: number): Snapshot[] {
  const clock = { ms: NOW };
  const m = new ClusterModel(config({ reverseZones: [] }), { now: () => clock.ms });
  m.markSynced();
  const out: Snapshot[] = [];
  for (let i = 0; i < n; i++) {
    m.apply(namespace(`ns-${i}`));
    m.snapshot();
    clock.ms += 1000;
    out.push(m.seal());
  }
  return out;
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let notifier: Notifier | undefined;
let sec: Secondary | undefined;
afterEach(async () => { await notifier?.close(); sec?.close(); notifier = undefined; sec = undefined; });

describe('NOTIFY (RFC 1996)', () => {
  it('sends opcode NOTIFY with AA, the SOA question and the new SOA; retries until acknowledged', async () => {
    sec = await secondary();
    notifier = await startNotifier({ targets: [{ host: '127.0.0.1', port: sec.port }], bindHost: '127.0.0.1', key: null, log: pino({ level: 'silent' }), retryMs: 40 });
    const [s1] = sealedSnapshots(1);
    notifier.zoneChanged(s1!);
    await wait(200);
    expect(sec.got.length).toBeGreaterThanOrEqual(3); // 40 ms, then 80 ms: retried while unanswered
    const m = sec.got[0]!;
    expect([(m[2]! >> 3) & 0x0f, m[2]! & 0x04, m[2]! & 0x80]).toEqual([4, 0x04, 0]);
    const p = decode(m);
    expect(p.questions[0]).toMatchObject({ name: 'cluster.local', type: 6 });
    expect((p.answers[0] as unknown as { serial: number }).serial).toBe(s1!.serial);
    sec.ack(sec.got.length - 1);
    await wait(50);
    const after = sec.got.length;
    await wait(250);
    expect(sec.got.length).toBe(after); // acknowledged: no more retries
    expect(notifier.stats()).toMatchObject({ acked: 1, outstanding: 0 });
  });

  it('coalesces: serials sealed while one NOTIFY is outstanding become one NOTIFY with the newest', async () => {
    sec = await secondary();
    notifier = await startNotifier({ targets: [{ host: '127.0.0.1', port: sec.port }], bindHost: '127.0.0.1', key: null, log: pino({ level: 'silent' }), retryMs: 5000 });
    const snaps = sealedSnapshots(6);
    for (const s of snaps) notifier.zoneChanged(s);
    await wait(50);
    expect(sec.got).toHaveLength(1);
    sec.ack(0);
    await wait(50);
    expect(sec.got).toHaveLength(2);
    expect((decode(sec.got[1]!).answers[0] as unknown as { serial: number }).serial).toBe(snaps[5]!.serial);
    sec.ack(1);
    await wait(50);
    expect(sec.got).toHaveLength(2);
  });

  it('signs with the first key when one is configured, and ignores an unsigned answer then', async () => {
    sec = await secondary();
    notifier = await startNotifier({ targets: [{ host: '127.0.0.1', port: sec.port }], bindHost: '127.0.0.1', key: KEY, log: pino({ level: 'silent' }), retryMs: 5000 });
    notifier.zoneChanged(sealedSnapshots(1)[0]!);
    await wait(50);
    const tsig = findTsig(sec.got[0]!);
    expect([tsig?.keyName, tsig?.mac.length]).toEqual(['xfr-key', 32]);
    // The signature is what a secondary recomputes: sign the same bytes ourselves.
    const unsigned = Buffer.from(sec.got[0]!.subarray(0, tsig!.at));
    unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
    expect(signRequest(unsigned, KEY, tsig!.timeSigned).mac.equals(tsig!.mac)).toBe(true);
    sec.ack(0);
    await wait(50);
    expect(notifier.stats().acked).toBe(0);
  });
});
