/**
 * @module NOTIFY (RFC 1996) to the secondaries named by `--transfer-to`, when a new serial is
 * sealed. Coalesced: at most one NOTIFY per (zone, secondary) is outstanding; a change meanwhile
 * marks it dirty and the latest serial goes out once the secondary has answered (§3.7 "hint").
 * Retried with backoff (1 s doubling to 30 s) until the secondary acknowledges. Sent from the
 * DNS listen address, which is what secondaries list as their primary, TSIG-signed when a key
 * is configured.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from '../log.ts';
import type { Apex, Snapshot } from '../zone/snapshot.ts';
import { encodeName } from '../zone/wire.ts';
import { signRequest, verifyResponse, type TsigKey } from './tsig.ts';
import { HEADER_LEN, readName } from './wire.ts';

export interface NotifyOptions {
  readonly targets: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  /** Address to send from (the DNS listen host). */
  readonly bindHost: string;
  readonly key: TsigKey | null;
  readonly log: Logger;
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  readonly now?: () => number;
}

export interface Notifier {
  /** A new sealed serial: notify every secondary of every zone. */
  zoneChanged(snap: Snapshot): void;
  /** NOTIFYs sent and acknowledged so far (for tests and metrics). */
  stats(): { sent: number; acked: number; outstanding: number };
  close(): Promise<void>;
}

const OPCODE_NOTIFY = 4;

/** A NOTIFY request: opcode 4, AA, the zone's SOA question, and the new SOA as the hint (§3.7). */
export function notifyMessage(id: number, apex: Apex): Buffer {
  const name = encodeName(apex.name);
  const msg = Buffer.alloc(HEADER_LEN + name.length + 4 + 2 + apex.soa.tail.length);
  msg.writeUInt16BE(id, 0);
  msg[2] = (OPCODE_NOTIFY << 3) | 0x04;
  msg.writeUInt16BE(1, 4);
  msg.writeUInt16BE(1, 6);
  msg.set(name, HEADER_LEN);
  let p = HEADER_LEN + name.length;
  msg.writeUInt16BE(6, p); // QTYPE SOA
  msg.writeUInt16BE(1, p + 2); // QCLASS IN
  p += 4;
  msg.writeUInt16BE(0xc000 | HEADER_LEN, p); // owner: pointer to the question name
  msg.set(apex.soa.tail, p + 2);
  return msg;
}

interface Pending { ids: Set<number>; mac: Buffer | null; timer: NodeJS.Timeout | undefined; delay: number }
interface Slot { zone: string; host: string; port: number; apex: Apex | null; pending: Pending | null; dirty: boolean; warned: boolean }

export async function startNotifier(opts: NotifyOptions): Promise<Notifier> {
  const log = opts.log.child({ component: 'notify' });
  const family = isIP(opts.bindHost) === 6 ? 6 : 4;
  const targets = opts.targets.filter((t) => (isIP(t.host) === 6 ? 6 : 4) === family);
  for (const t of opts.targets) if (!targets.includes(t)) log.warn({ target: t.host }, 'NOTIFY target of the other address family than --dns-listen: not notified');
  const retryMs = opts.retryMs ?? 1000;
  const maxRetryMs = opts.maxRetryMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  const slots = new Map<string, Slot>();
  let sent = 0, acked = 0;
  const wildcard = opts.bindHost === '0.0.0.0' || opts.bindHost === '::';
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: wildcard ? undefined : opts.bindHost, port: 0 }, () => { socket.off('error', reject); resolve(); });
  });
  socket.on('error', (err) => log.warn({ err }, 'notify socket error'));

  function send(slot: Slot): void {
    if (!slot.apex) return;
    const p = slot.pending ?? (slot.pending = { ids: new Set(), mac: null, timer: undefined, delay: retryMs });
    const id = randomInt(0, 0x10000);
    let msg = notifyMessage(id, slot.apex);
    if (opts.key) ({ msg, mac: p.mac } = signRequest(msg, opts.key, Math.floor(now() / 1000)));
    p.ids.add(id);
    slot.dirty = false;
    sent++;
    socket.send(msg, slot.port, slot.host);
    p.timer = setTimeout(() => {
      p.delay = Math.min(p.delay * 2, maxRetryMs);
      log.debug({ target: slot.host, port: slot.port, zone: slot.zone }, 'NOTIFY not acknowledged yet: retrying');
      send(slot);
    }, p.delay);
    p.timer.unref();
  }

  socket.on('message', (msg, rinfo) => {
    if (msg.length < HEADER_LEN || (msg[2]! & 0x80) === 0 || ((msg[2]! >> 3) & 0x0f) !== OPCODE_NOTIFY) return;
    const id = msg.readUInt16BE(0);
    const qname = readName(msg, HEADER_LEN);
    const slot = qname === null ? undefined : slots.get(`${qname} ${rinfo.address} ${rinfo.port}`);
    const p = slot?.pending;
    // Accept only the answer of the secondary we asked, to one of our IDs, for that zone (§3.10).
    if (!slot || !p || !p.ids.has(id)) return;
    if (opts.key && p.mac && !verifyResponse(msg, opts.key, p.mac)) {
      log.warn({ target: rinfo.address, zone: slot.zone }, 'NOTIFY answer without a valid TSIG: ignored');
      return;
    }
    const rcode = msg[3]! & 0x0f;
    // A secondary that does not carry this zone (say, a reverse zone) rejects every NOTIFY: say so once.
    if (rcode !== 0) {
      (slot.warned ? log.debug : log.warn).call(log, { target: rinfo.address, port: rinfo.port, zone: slot.zone, rcode }, 'secondary rejected NOTIFY');
      slot.warned = true;
    }
    clearTimeout(p.timer);
    slot.pending = null;
    acked++;
    if (slot.dirty) send(slot);
  });

  return {
    zoneChanged(snap: Snapshot): void {
      for (const apex of [...snap.forward, ...snap.reverse]) {
        for (const t of targets) {
          const k = `${apex.name} ${t.host} ${t.port}`;
          let slot = slots.get(k);
          if (!slot) slots.set(k, (slot = { zone: apex.name, host: t.host, port: t.port, apex: null, pending: null, dirty: false, warned: false }));
          slot.apex = apex;
          // One outstanding NOTIFY per zone and secondary; the newest serial follows the answer.
          if (slot.pending) slot.dirty = true;
          else send(slot);
        }
      }
    },
    stats: () => ({ sent, acked, outstanding: [...slots.values()].filter((s) => s.pending).length }),
    close: () => {
      for (const s of slots.values()) clearTimeout(s.pending?.timer);
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
