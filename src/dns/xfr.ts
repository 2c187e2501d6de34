/**
 * @module Zone transfers and TSIG-signed queries: the policy (who may transfer, signatures,
 * which rcode) and the messages. AXFR (RFC 5936) and IXFR (RFC 1995) stream one sealed snapshot
 * from the journal as a lazy sequence of messages, each compressed on its own and up to 64 KiB;
 * the TCP shell writes them a few at a time. Every AXFR (and AXFR-style IXFR) of one snapshot
 * streams the same encoded messages (xfr-shared.ts) behind its own header, question and TSIG.
 * Over UDP, IXFR answers in one datagram or with the current SOA and TC (RFC 1995 §2), and AXFR
 * is refused or FORMERR (RFC 5936 §4.2).
 */
import type { Logger } from '../log.ts';
import type { Snapshot } from '../zone/snapshot.ts';
import { findZone, ixfrRecords, zoneRecordStream, type Journal, type ZoneRef } from '../zone/transfer.ts';
import { RRType, Rcode, type WireRR } from '../zone/types.ts';
import type { Acl } from './acl.ts';
import { encodeChunk, encodeResponse, type EdnsOut } from './encode.ts';
import { SharedAxfrs, type SharedAxfr } from './xfr-shared.ts';
import { NOTAUTH, ResponseSigner, TsigError, appendErrorTsig, readTsig, verifyRequest, type TsigKey } from './tsig.ts';
import { AXFR_TYPE, IXFR_TYPE, TCP_MAX, dottedName, readName, skipName, type Query } from './wire.ts';

export interface TransferOptions {
  readonly acl: Acl;
  /** Keys by lowercase name. */
  readonly keys: ReadonlyMap<string, TsigKey>;
  /** Transfers must carry a valid TSIG (`--require-tsig`). */
  readonly requireTsig: boolean;
  readonly journal: Journal;
  /** Clock in ms (tests pin it for BADTIME). */
  readonly now?: () => number;
}

/** Room kept in every message for the TSIG we append (owner, RDATA, a SHA-512 MAC). */
const TSIG_ROOM = 512;
/**
 * Transfer message size: 16 KiB, as NSD and Knot. Compression pointers reach only the first
 * 16 KiB of a message (14-bit offsets), so larger messages compress worse, and a smaller message
 * is a shorter step on the event loop between UDP answers (tcp.ts `TransferRounds`). 64 KiB is allowed.
 */
export const XFR_MESSAGE_SIZE = 16384;

/**
 * One DNS message of a transfer as consecutive parts (the TCP shell adds the 2-byte length):
 * this transfer's header and question, the records shared with other transfers, its TSIG.
 */
export type XfrMessage = readonly Buffer[];

export interface XfrResponder {
  /** One reply for a signed query or a transfer over UDP; `answer(limit)` builds the ordinary reply. */
  single(msg: Buffer, q: Query, tcp: boolean, peer: string, limit: number, answer: (limit: number) => Buffer): Buffer | null;
  /** TCP: every message of a transfer, or a single error message. */
  stream(msg: Buffer, q: Query, peer: string): Iterator<XfrMessage>;
  /** Transfers being streamed right now (each holds its snapshot until it ends). */
  active(): number;
  /** Shared AXFR encodings held (in use, or of the latest snapshot). */
  shared(): number;
  /** The journal changed: drop unused encodings of snapshots that are no longer the latest. */
  zoneChanged(): void;
}

type Auth = { readonly signer: ResponseSigner | null } | { readonly reply: Buffer };

/** The SOA serial of an IXFR's authority section (RFC 1995 §3); null when it is not a well-formed SOA of the zone. */
export function ixfrClientSerial(msg: Buffer, q: Query): number | null {
  if (msg.readUInt16BE(8) !== 1) return null;
  const at = q.questionEnd;
  const owner = readName(msg, at);
  let p = skipName(msg, at);
  if (owner !== dottedName(q.nameKey) || p < 0 || p + 10 > msg.length) return null;
  if (msg.readUInt16BE(p) !== RRType.SOA) return null;
  const end = p + 10 + msg.readUInt16BE(p + 8);
  p = skipName(msg, p + 10);
  p = p < 0 ? -1 : skipName(msg, p);
  if (p < 0 || p + 20 !== end || end > msg.length) return null;
  return msg.readUInt32BE(p);
}

export function createXfrResponder(opts: TransferOptions, log: Logger): XfrResponder {
  const now = opts.now ?? Date.now;
  let streaming = 0;
  const shared = new SharedAxfrs(() => opts.journal.latest(), XFR_MESSAGE_SIZE - TSIG_ROOM);

  function reply(msg: Buffer, q: Query, rcode: number, edns: EdnsOut | null, answer: readonly WireRR[] = [], tc = false): Buffer {
    const question = { nameKey: q.nameKey, end: q.questionEnd };
    const buf = encodeResponse({ id: q.id, opcode: q.opcode, rcode, aa: rcode === Rcode.NOERROR, msg, question, answer, authority: [], additional: [], limit: TCP_MAX, edns });
    if (tc) buf[2]! |= 0x02;
    return buf;
  }

  /** Check the request's TSIG (RFC 8945 §5.2); errors are answered NOTAUTH with the TSIG error. */
  function authenticate(msg: Buffer, q: Query, edns: EdnsOut | null): Auth {
    if (q.tsigAt < 0) return { signer: null };
    const rec = readTsig(msg, q.tsigAt);
    if (!rec) return { reply: reply(msg, q, Rcode.FORMERR, edns) };
    const sec = Math.floor(now() / 1000);
    const v = verifyRequest(msg, rec, opts.keys, sec);
    if (v.ok) return { signer: new ResponseSigner(v.key, rec.mac, sec) };
    log.info({ key: rec.keyName, error: v.error }, 'tsig verification failed');
    const base = reply(msg, q, NOTAUTH, edns);
    if (v.error === TsigError.BADTIME && v.key) return { reply: new ResponseSigner(v.key, rec.mac, sec, rec).sign(base) };
    try {
      return { reply: appendErrorTsig(base, rec, v.error) };
    } catch {
      // The request's key or algorithm name cannot be echoed (RFC 1035 label limits): answer unsigned.
      return { reply: base };
    }
  }

  /** Who may transfer: an address in --transfer-to, signed when --require-tsig (else REFUSED). */
  function refusedTransfer(peer: string, signed: boolean): boolean {
    return !opts.acl.allows(peer) || (opts.requireTsig && !signed);
  }

  /** `rrs` null: the whole zone (AXFR, or IXFR falling back to it), streamed from the shared encoding. */
  type Plan = { rcode: number } | { rrs: WireRR[] | null; style: string; snap: Snapshot; zone: ZoneRef };

  /** What to send for a transfer the client may have: the records, or an rcode. */
  function plan(msg: Buffer, q: Query): Plan {
    const snap = opts.journal.latest();
    // Nothing sealed and synced yet: never hand out an empty or partial zone.
    if (!snap) return { rcode: Rcode.SERVFAIL };
    const zone = findZone(snap, dottedName(q.nameKey));
    if (!zone) return { rcode: NOTAUTH };
    if (q.qtype === AXFR_TYPE) return { rrs: null, style: 'axfr', snap, zone };
    const serial = ixfrClientSerial(msg, q);
    if (serial === null) return { rcode: Rcode.FORMERR };
    return { ...ixfrRecords(opts.journal, snap, zone, serial), snap, zone };
  }

  /**
   * The whole zone for one UDP datagram of `room` octets, or null when it has more records than
   * could fit (each takes at least 11 octets), found without gathering a big zone.
   */
  function udpZoneRecords(snap: Snapshot, zone: ZoneRef, room: number): WireRR[] | null {
    const out = [zone.apex.soa];
    for (const rr of zoneRecordStream(snap, zone)) {
      if (out.length > room / 11) return null;
      out.push(rr);
    }
    out.push(zone.apex.soa);
    return out;
  }

  /** An incremental IXFR's own messages (small; not shared). */
  function* messages(msg: Buffer, q: Query, rrs: readonly WireRR[], signer: ResponseSigner | null, edns: EdnsOut | null): Generator<XfrMessage> {
    const question = { nameKey: q.nameKey, end: q.questionEnd };
    let from = 0;
    do {
      // The OPT goes in the first message only (RFC 5936 §2.2.5).
      const { buf, next } = encodeChunk({ id: q.id, msg, question, rrs, from, limit: XFR_MESSAGE_SIZE - TSIG_ROOM, edns: from === 0 ? edns : null });
      from = next;
      yield [signer ? signer.sign(buf) : buf];
    } while (from < rrs.length);
  }

  /**
   * The shared messages of a whole-zone transfer behind this transfer's header (its ID, its RD
   * bit) and question; signed message by message when the request was (RFC 8945 §5.3.1: each
   * MAC covers the previous one, so the TSIG chain is this transfer's own).
   */
  function* sharedMessages(entry: SharedAxfr, msg: Buffer, q: Query, signer: ResponseSigner | null): Generator<XfrMessage> {
    const end = q.questionEnd;
    const own = Buffer.from(msg.subarray(0, end));
    for (let k = 0; ; k++) {
      const m = entry.message(k);
      if (!m) return;
      const head = Buffer.allocUnsafe(end);
      own.copy(head, 0, 0, end);
      // QR, AA (RFC 5936 §2.2.1), this request's RD; RCODE 0; then the message's own counts.
      head[2] = 0x84 | ((own[2] ?? 0) & 0x01);
      head[3] = 0;
      m.copy(head, 4, 4, 12);
      const body = m.subarray(end);
      if (!signer) { yield [head, body]; continue; }
      const tsig = signer.record([head, body]);
      head.writeUInt16BE(head.readUInt16BE(10) + 1, 10);
      yield [head, body, tsig];
    }
  }

  function* streamOne(msg: Buffer, q: Query, peer: string): Generator<XfrMessage> {
    const edns = q.edns ? { payload: 65535, dnssecOk: q.edns.dnssecOk } : null;
    const auth = authenticate(msg, q, edns);
    if ('reply' in auth) { yield [auth.reply]; return; }
    const sign = (b: Buffer): Buffer => (auth.signer ? auth.signer.sign(b) : b);
    if (refusedTransfer(peer, auth.signer !== null)) {
      log.info({ peer, zone: dottedName(q.nameKey) }, 'transfer refused');
      yield [sign(reply(msg, q, Rcode.REFUSED, edns))];
      return;
    }
    const p = plan(msg, q);
    if ('rcode' in p) { yield [sign(reply(msg, q, p.rcode, edns))]; return; }
    const entry = p.rrs ? null : shared.acquire(p.snap, p.zone, msg, { nameKey: q.nameKey, end: q.questionEnd }, edns);
    streaming++;
    let sent = 0;
    try {
      const all = entry ? sharedMessages(entry, msg, q, auth.signer) : messages(msg, q, p.rrs!, auth.signer, edns);
      for (const m of all) { sent++; yield m; }
      log.info({ peer, zone: p.zone.apex.name, serial: p.snap.serial, style: p.style, records: entry ? entry.records : p.rrs!.length, messages: sent }, 'transfer sent');
    } finally {
      streaming--;
      // A transfer that ends early (closed, stalled past the idle timeout) lets go of it too.
      if (entry) shared.release(entry);
    }
  }

  /** IXFR over UDP: the whole answer in one datagram, else the current SOA with TC (RFC 1995 §2). */
  function udpIxfr(msg: Buffer, q: Query, limit: number, signer: ResponseSigner | null, edns: EdnsOut | null): Buffer {
    const sign = (b: Buffer): Buffer => (signer ? signer.sign(b) : b);
    const p = plan(msg, q);
    if ('rcode' in p) return sign(reply(msg, q, p.rcode, edns));
    const room = limit - (signer?.room ?? 0);
    const question = { nameKey: q.nameKey, end: q.questionEnd };
    const rrs = p.rrs ?? udpZoneRecords(p.snap, p.zone, room);
    const one = p.style === 'current' || !rrs ? null : encodeChunk({ id: q.id, msg, question, rrs, from: 0, limit: room, edns });
    if (one && one.next === rrs!.length) return sign(one.buf);
    return sign(reply(msg, q, Rcode.NOERROR, edns, [p.zone.apex.soa], p.style !== 'current'));
  }

  return {
    active: () => streaming,
    shared: () => shared.size,
    zoneChanged: () => shared.prune(),
    stream: (msg, q, peer) => streamOne(msg, q, peer),
    single(msg, q, tcp, peer, limit, answer) {
      const edns = q.edns ? { payload: limit, dnssecOk: q.edns.dnssecOk } : null;
      const auth = authenticate(msg, q, edns);
      if ('reply' in auth) return auth.reply;
      const sign = (b: Buffer): Buffer => (auth.signer ? auth.signer.sign(b) : b);
      if (q.qtype !== AXFR_TYPE && q.qtype !== IXFR_TYPE) return sign(answer(limit - (auth.signer?.room ?? 0)));
      if (refusedTransfer(peer, auth.signer !== null)) return sign(reply(msg, q, Rcode.REFUSED, edns));
      // RFC 5936 §4.2 leaves AXFR over UDP undefined; like BIND, it is a malformed request.
      if (q.qtype === AXFR_TYPE && !tcp) return sign(reply(msg, q, Rcode.FORMERR, edns));
      if (tcp) {
        // The TCP shell streams transfers itself; this is only reached by direct callers.
        const all = [...streamOne(msg, q, peer)];
        return all.length === 1 ? Buffer.concat(all[0]!) : null;
      }
      return udpIxfr(msg, q, limit, auth.signer, edns);
    },
  };
}
