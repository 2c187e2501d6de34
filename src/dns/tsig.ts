/**
 * @module TSIG (RFC 8945) with HMAC-SHA256 and HMAC-SHA512: read and verify the TSIG of a
 * request, sign responses (one, or every message of a TCP stream, §5.3.1), sign NOTIFYs.
 * Key and algorithm names are compared and digested in canonical (lowercase) wire form (§4.3.3).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { encodeName } from '../zone/wire.ts';
import { HEADER_LEN, TSIG_TYPE, readName, skipName } from './wire.ts';

export const TSIG_ALGORITHMS = { 'hmac-sha256': 'sha256', 'hmac-sha512': 'sha512' } as const;
export type TsigAlgorithm = keyof typeof TSIG_ALGORITHMS;

export interface TsigKey {
  /** Lowercase, no trailing dot. */
  readonly name: string;
  readonly algorithm: TsigAlgorithm;
  readonly secret: Buffer;
}

/** TSIG error codes (RFC 8945 §3). */
export const TsigError = { NOERROR: 0, BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22 } as const;
/** RCODE NOTAUTH carries every TSIG error (RFC 8945 §5.2). */
export const NOTAUTH = 9;
/** Fudge we sign with: 300 s, the RFC's recommendation (§10). */
export const FUDGE = 300;
const CLASS_ANY = 255;

export interface TsigRecord {
  /** Offset of the record's owner name: the message before it is what was signed. */
  readonly at: number;
  readonly keyName: string;
  readonly algorithm: string;
  /** Seconds since the epoch (48 bits). */
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Buffer;
  readonly originalId: number;
  readonly error: number;
  readonly other: Buffer;
}

/** Parse the TSIG record at `at` (found by parseQuery); null when its RDATA is malformed. */
export function readTsig(msg: Buffer, at: number): TsigRecord | null {
  const keyName = readName(msg, at);
  let p = skipName(msg, at);
  if (keyName === null || p < 0 || p + 10 > msg.length || msg.readUInt16BE(p) !== TSIG_TYPE) return null;
  const end = p + 10 + msg.readUInt16BE(p + 8);
  p += 10;
  const algorithm = readName(msg, p);
  p = skipName(msg, p);
  if (algorithm === null || p < 0 || p + 10 > end) return null;
  const timeSigned = msg.readUIntBE(p, 6);
  const fudge = msg.readUInt16BE(p + 6);
  const macLen = msg.readUInt16BE(p + 8);
  p += 10;
  if (p + macLen + 6 > end) return null;
  const mac = msg.subarray(p, p + macLen);
  p += macLen;
  const originalId = msg.readUInt16BE(p);
  const error = msg.readUInt16BE(p + 2);
  const otherLen = msg.readUInt16BE(p + 4);
  if (p + 6 + otherLen !== end || end > msg.length) return null;
  return { at, keyName, algorithm, timeSigned, fudge, mac, originalId, error, other: msg.subarray(p + 6, end) };
}

/** The TSIG variables (§4.3.3); with `timersOnly` just Time Signed and Fudge (§4.3.1, later messages). */
function variables(key: TsigKey, time: number, error: number, other: Buffer, timersOnly: boolean): Buffer {
  const timers = Buffer.alloc(8);
  timers.writeUIntBE(time, 0, 6);
  timers.writeUInt16BE(FUDGE, 6);
  if (timersOnly) return timers;
  const head = Buffer.alloc(6);
  head.writeUInt16BE(CLASS_ANY, 0); // TTL 0 follows
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(error, 0);
  tail.writeUInt16BE(other.length, 2);
  return Buffer.concat([encodeName(key.name), head, encodeName(key.algorithm), timers, tail, other]);
}

function lengthPrefixed(mac: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(mac.length, 0);
  return Buffer.concat([len, mac]);
}

/** The message as it was before signing: no TSIG, ARCOUNT one less, ID = Original ID. */
function unsigned(msg: Buffer, rec: TsigRecord): Buffer {
  const m = Buffer.from(msg.subarray(0, rec.at));
  m.writeUInt16BE(rec.originalId, 0);
  m.writeUInt16BE(m.readUInt16BE(10) - 1, 10);
  return m;
}

function hmac(key: TsigKey, parts: readonly Buffer[]): Buffer {
  const h = createHmac(TSIG_ALGORITHMS[key.algorithm], key.secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

export type Verification =
  | { readonly ok: true; readonly key: TsigKey; readonly rec: TsigRecord }
  /** `key` is set for BADTIME, whose answer is signed (§5.2.3). */
  | { readonly ok: false; readonly error: number; readonly rec: TsigRecord; readonly key: TsigKey | null };

/** Verify a request's TSIG (§5.2): key, then MAC, then time. `nowSec` is the server clock. */
export function verifyRequest(msg: Buffer, rec: TsigRecord, keys: ReadonlyMap<string, TsigKey>, nowSec: number): Verification {
  const key = keys.get(rec.keyName);
  if (!key || key.algorithm !== rec.algorithm) return { ok: false, error: TsigError.BADKEY, rec, key: null };
  const full = hmac(key, [unsigned(msg, rec), variables(key, rec.timeSigned, rec.error, rec.other, false)]);
  // Truncated MACs (§5.2.2.1) may be as short as half the digest and never below 10 octets.
  if (rec.mac.length > full.length || rec.mac.length < Math.max(10, full.length / 2)) {
    return { ok: false, error: rec.mac.length > full.length ? TsigError.BADSIG : TsigError.BADTRUNC, rec, key: null };
  }
  if (!timingSafeEqual(rec.mac, full.subarray(0, rec.mac.length))) return { ok: false, error: TsigError.BADSIG, rec, key: null };
  if (Math.abs(nowSec - rec.timeSigned) > rec.fudge) return { ok: false, error: TsigError.BADTIME, rec, key };
  return { ok: true, key, rec };
}

/** A TSIG RR: the key's name as owner, CLASS ANY, TTL 0, and the RDATA of §4.2. */
function tsigRecord(key: { name: string; algorithm: string }, f: { time: number; mac: Buffer; id: number; error: number; other: Buffer }): Buffer {
  const owner = encodeName(key.name);
  const alg = encodeName(key.algorithm);
  const rdLen = alg.length + 16 + f.mac.length + f.other.length;
  const rr = Buffer.alloc(owner.length + 10 + rdLen);
  rr.set(owner, 0);
  let p = owner.length;
  rr.writeUInt16BE(TSIG_TYPE, p);
  rr.writeUInt16BE(CLASS_ANY, p + 2);
  rr.writeUInt16BE(rdLen, p + 8);
  p += 10;
  rr.set(alg, p);
  p += alg.length;
  rr.writeUIntBE(f.time, p, 6);
  rr.writeUInt16BE(FUDGE, p + 6);
  rr.writeUInt16BE(f.mac.length, p + 8);
  f.mac.copy(rr, p + 10);
  p += 10 + f.mac.length;
  rr.writeUInt16BE(f.id, p);
  rr.writeUInt16BE(f.error, p + 2);
  rr.writeUInt16BE(f.other.length, p + 4);
  f.other.copy(rr, p + 6);
  return rr;
}

/** Append a TSIG RR to `msg` (ARCOUNT + 1). */
function appendTsig(msg: Buffer, key: { name: string; algorithm: string }, f: { time: number; mac: Buffer; id: number; error: number; other: Buffer }): Buffer {
  return withRecord(msg, tsigRecord(key, f));
}

function withRecord(msg: Buffer, rr: Buffer): Buffer {
  const out = Buffer.concat([msg, rr]);
  out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
  return out;
}

/**
 * An unsigned error TSIG for BADKEY/BADSIG/BADTRUNC (§5.3.2: MAC size 0, the request's key and
 * algorithm names echoed, so the client can tell which key failed).
 */
export function appendErrorTsig(resp: Buffer, rec: TsigRecord, error: number): Buffer {
  return appendTsig(resp, { name: rec.keyName, algorithm: rec.algorithm }, { time: rec.timeSigned, mac: Buffer.alloc(0), id: resp.readUInt16BE(0), error, other: Buffer.alloc(0) });
}

/**
 * Signs the responses to one verified request: the first as in §4.3.3 (request MAC first), each
 * later one of a multi-message stream with the previous MAC and the timers only (§5.3.1).
 */
export class ResponseSigner {
  readonly #key: TsigKey;
  #prevMac: Buffer;
  #first = true;
  readonly #error: number;
  readonly #time: number;
  readonly #other: Buffer;

  /** BADTIME answers are signed with the request's time and the server's clock in Other Data (§5.2.3). */
  constructor(key: TsigKey, requestMac: Buffer, nowSec: number, badTime?: TsigRecord) {
    this.#key = key;
    this.#prevMac = requestMac;
    this.#error = badTime ? TsigError.BADTIME : 0;
    this.#time = badTime ? badTime.timeSigned : nowSec;
    this.#other = Buffer.alloc(badTime ? 6 : 0);
    if (badTime) this.#other.writeUIntBE(nowSec, 0, 6);
  }

  /** Bytes the TSIG RR adds to a message (owner, fixed fields, algorithm, MAC, other data). */
  get room(): number {
    const digest = this.#key.algorithm === 'hmac-sha512' ? 64 : 32;
    return encodeName(this.#key.name).length + 10 + encodeName(this.#key.algorithm).length + 16 + digest + this.#other.length;
  }

  sign(resp: Buffer): Buffer {
    return withRecord(resp, this.record([resp]));
  }

  /**
   * The TSIG RR for the next message, given as consecutive parts (header first): the caller
   * appends it and adds one to ARCOUNT. Zone transfers use this to sign a message whose header
   * is their own and whose records are shared with other transfers, without joining the parts.
   */
  record(parts: readonly Uint8Array[]): Buffer {
    const vars = variables(this.#key, this.#time, this.#error, this.#other, !this.#first);
    const h = createHmac(TSIG_ALGORITHMS[this.#key.algorithm], this.#key.secret);
    h.update(lengthPrefixed(this.#prevMac));
    for (const p of parts) h.update(p);
    const mac = h.update(vars).digest();
    this.#first = false;
    this.#prevMac = mac;
    const id = ((parts[0]![0] ?? 0) << 8) | (parts[0]![1] ?? 0);
    return tsigRecord(this.#key, { time: this.#time, mac, id, error: this.#error, other: this.#other });
  }
}

/** Sign a request (our NOTIFYs, §4.3.1); returns the signed message and its MAC. */
export function signRequest(msg: Buffer, key: TsigKey, nowSec: number): { msg: Buffer; mac: Buffer } {
  const mac = hmac(key, [msg, variables(key, nowSec, 0, Buffer.alloc(0), false)]);
  return { msg: appendTsig(msg, key, { time: nowSec, mac, id: msg.readUInt16BE(0), error: 0, other: Buffer.alloc(0) }), mac };
}

/** Where the TSIG of a response starts, if its last additional record is one (for clients and tests). */
export function findTsig(msg: Buffer): TsigRecord | null {
  if (msg.length < HEADER_LEN) return null;
  const counts = [4, 6, 8, 10].map((o) => msg.readUInt16BE(o));
  let p = HEADER_LEN;
  for (let i = 0; i < counts[0]!; i++) { p = skipName(msg, p); if (p < 0) return null; p += 4; }
  const records = counts[1]! + counts[2]! + counts[3]!;
  for (let i = 0; i < records; i++) {
    const at = p;
    p = skipName(msg, p);
    if (p < 0 || p + 10 > msg.length) return null;
    if (i === records - 1 && msg.readUInt16BE(p) === TSIG_TYPE) return readTsig(msg, at);
    p += 10 + msg.readUInt16BE(p + 8);
  }
  return null;
}

/** Verify a signed response to a request whose MAC was `requestMac` (first message only). */
export function verifyResponse(msg: Buffer, key: TsigKey, requestMac: Buffer): boolean {
  const rec = findTsig(msg);
  if (!rec || rec.keyName !== key.name || rec.mac.length === 0) return false;
  const vars = variables(key, rec.timeSigned, rec.error, rec.other, false);
  const mac = hmac(key, [lengthPrefixed(requestMac), unsigned(msg, rec), vars]);
  return mac.length === rec.mac.length && timingSafeEqual(mac, rec.mac);
}
