/**
 * @module Writing responses: header, echoed question, owner names with RFC 1035 §4.1.4
 * compression, each record's pre-encoded tail copied verbatim, EDNS OPT (RFC 6891), and
 * truncation to whole records (RFC 2181 §9) with TC set when anything was left out.
 */
import type { WireRR } from '../zone/types.ts';
import { HEADER_LEN, OPT_TYPE, TCP_MAX, dottedName, labelStarts } from './wire.ts';

export interface EdnsOut {
  /** Our own UDP payload size, advertised in the OPT CLASS field (RFC 6891 §6.2.3). */
  readonly payload: number;
  readonly dnssecOk: boolean;
}

export interface ResponseSpec {
  readonly id: number;
  readonly opcode: number;
  /** Full rcode; bits above the low 4 go into the OPT (RFC 6891 §6.1.3). */
  readonly rcode: number;
  readonly aa: boolean;
  /** The query, for its RD/CD bits and its question bytes. */
  readonly msg: Uint8Array;
  /** Question to echo: wire-form key and end offset in `msg`; null for no question. */
  readonly question: { readonly nameKey: string; readonly end: number } | null;
  readonly answer: readonly WireRR[];
  readonly authority: readonly WireRR[];
  readonly additional: readonly WireRR[];
  /** Maximum size of the whole message. */
  readonly limit: number;
  readonly edns: EdnsOut | null;
}

const OPT_LEN = 11;
const PTR_LIMIT = 0x3fff;
// Assembly happens synchronously on one event loop, so one scratch buffer serves every call.
// It is larger than any limit so a record can be written first and rolled back if it overflows.
const out = Buffer.allocUnsafe(TCP_MAX + 512);

/** Compression dictionary: lowercase dotted suffix -> offset of its first label. */
type Dict = Map<string, number>;

/** Where a name starts inside a tail, for types whose RDATA holds a name we may point at. */
function rdataNameOffset(type: number): number {
  switch (type) {
    case 2: case 5: case 12: return 10; // NS, CNAME, PTR: RDATA is the name
    case 15: return 12; // MX: PREFERENCE(2) then EXCHANGE
    case 33: return 16; // SRV: PRIORITY WEIGHT PORT then TARGET (RFC 2782)
    default: return -1;
  }
}

/** A name inside a record's RDATA: its suffixes (longest first) and each one's offset in the tail. */
interface RdataName { readonly suffixes: readonly string[]; readonly at: readonly number[] }

/**
 * Tails are immutable and shared by every answer until the zone changes, so the name inside
 * one is decoded once and remembered; a miss on a 100-target SRV answer then costs map
 * operations, not string building.
 */
const rdataNames = new WeakMap<Uint8Array, RdataName | null>();

function decodeRdataName(tail: Uint8Array, off: number): RdataName | null {
  const labels: string[] = [];
  const at: number[] = [];
  let p = off;
  for (let len = tail[p] ?? 0; len > 0 && len <= 63 && p + 1 + len < tail.length; len = tail[p] ?? 0) {
    at.push(p);
    labels.push(Buffer.from(tail.buffer, tail.byteOffset + p + 1, len).toString('latin1'));
    p += len + 1;
  }
  if (labels.length === 0) return null;
  const suffixes = labels.map((_, i) => labels.slice(i).join('.'));
  return { suffixes, at };
}

/**
 * Register the suffixes of the name inside `rr`'s RDATA, written at `tailAt`, longest first,
 * stopping at the first one already known: every registered name has all its suffixes too.
 */
function registerRdataName(rr: WireRR, nameAt: number, tailAt: number, dict: Dict, added: string[]): void {
  let info = rdataNames.get(rr.tail);
  if (info === undefined) {
    info = decodeRdataName(rr.tail, nameAt);
    rdataNames.set(rr.tail, info);
  }
  if (info === null) return;
  for (let i = 0; i < info.suffixes.length && tailAt + info.at[i]! <= PTR_LIMIT; i++) {
    const suffix = info.suffixes[i]!;
    if (dict.has(suffix)) return;
    dict.set(suffix, tailAt + info.at[i]!);
    added.push(suffix);
  }
}

/** Write `name` (lowercase dotted) at `off`, pointing at the longest suffix already in the message. */
function writeName(name: string, off: number, dict: Dict, added: string[]): number {
  let pos = 0;
  while (pos < name.length) {
    const suffix = pos === 0 ? name : name.slice(pos);
    const target = dict.get(suffix);
    if (target !== undefined) {
      out[off] = 0xc0 | (target >> 8);
      out[off + 1] = target & 0xff;
      return off + 2;
    }
    let dot = name.indexOf('.', pos);
    if (dot < 0) dot = name.length;
    const len = dot - pos;
    if (len === 0 || len > 63) throw new Error(`invalid owner name ${JSON.stringify(name)}`);
    if (off <= PTR_LIMIT) { dict.set(suffix, off); added.push(suffix); }
    out[off++] = len;
    out.write(name.slice(pos, dot), off, 'latin1');
    off += len;
    pos = dot + 1;
  }
  out[off] = 0;
  return off + 1;
}

/**
 * Append whole records while they fit under `max`; returns the new offset and how many
 * were written. A record that does not fit is rolled back, dictionary entries included.
 */
function writeSection(rrs: readonly WireRR[], start: number, max: number, dict: Dict, added: string[], first = 0): [number, number] {
  let off = start;
  for (let i = first; i < rrs.length; i++) {
    const rr = rrs[i]!;
    const mark = added.length;
    const begin = off;
    if (off + 256 + rr.tail.length > max) {
      // Might still fit once compressed; measure by writing, then roll back if too long.
      if (off + 2 + rr.tail.length > max) return [begin, i];
    }
    let p = writeName(rr.owner, off, dict, added);
    out.set(rr.tail, p);
    const nameAt = rdataNameOffset(rr.type);
    if (nameAt >= 0 && nameAt < rr.tail.length) registerRdataName(rr, nameAt, p, dict, added);
    p += rr.tail.length;
    if (p > max) {
      while (added.length > mark) dict.delete(added.pop()!);
      return [begin, i];
    }
    off = p;
  }
  return [off, rrs.length];
}

/** Seed the dictionary with the question name's suffixes at their offsets from 12. */
function registerQuestion(nameKey: string, dict: Dict): void {
  for (const start of labelStarts(nameKey)) {
    const at = HEADER_LEN + start;
    dict.set(dottedName(nameKey.slice(start)), at);
  }
}

/** Build a complete response message. Throws only on malformed zone data (caller maps to SERVFAIL). */
export function encodeResponse(spec: ResponseSpec): Buffer {
  const { msg, question, edns } = spec;
  const dict: Dict = new Map();
  // Names added to `dict`, in order, so a record that does not fit can be rolled back.
  const added: string[] = [];
  let off = HEADER_LEN;
  if (question !== null) {
    out.set(msg.subarray(HEADER_LEN, question.end), HEADER_LEN);
    off = question.end;
    registerQuestion(question.nameKey, dict);
  }
  const max = Math.min(spec.limit, TCP_MAX) - (edns ? OPT_LEN : 0);
  const [o1, an] = writeSection(spec.answer, off, max, dict, added);
  const [o2, ns] = an === spec.answer.length ? writeSection(spec.authority, o1, max, dict, added) : [o1, 0];
  const [o3, ar] = ns === spec.authority.length && an === spec.answer.length
    ? writeSection(spec.additional, o2, max, dict, added) : [o2, 0];
  const truncated = an + ns + ar < spec.answer.length + spec.authority.length + spec.additional.length;
  off = o3;
  if (edns) off = writeOpt(off, spec.rcode >> 4, edns);
  out.writeUInt16BE(spec.id, 0);
  // QR, OPCODE, AA, TC, RD (copied); RA=0 (no recursion); Z, AD = 0; CD copied (RFC 6840 §5.9).
  out[2] = 0x80 | ((spec.opcode & 0x0f) << 3) | (spec.aa ? 0x04 : 0) | (truncated ? 0x02 : 0) | ((msg[2] ?? 0) & 0x01);
  out[3] = ((msg[3] ?? 0) & 0x10) | (spec.rcode & 0x0f);
  out.writeUInt16BE(question !== null ? 1 : 0, 4);
  out.writeUInt16BE(an, 6);
  out.writeUInt16BE(ns, 8);
  out.writeUInt16BE(ar + (edns ? 1 : 0), 10);
  return Buffer.from(out.subarray(0, off));
}

/** OPT pseudo-RR at the root: CLASS = payload size, TTL = EXTENDED-RCODE, VERSION 0, DO. */
function writeOpt(off: number, extRcode: number, edns: EdnsOut): number {
  out[off] = 0;
  out.writeUInt16BE(OPT_TYPE, off + 1);
  out.writeUInt16BE(edns.payload, off + 3);
  out[off + 5] = extRcode & 0xff;
  out[off + 6] = 0;
  out[off + 7] = edns.dnssecOk ? 0x80 : 0;
  out[off + 8] = 0;
  out.writeUInt16BE(0, off + 9);
  return off + OPT_LEN;
}

export interface ChunkSpec {
  readonly id: number;
  /** The query, for its RD bit and its question bytes. */
  readonly msg: Uint8Array;
  readonly question: { readonly nameKey: string; readonly end: number };
  readonly rrs: readonly WireRR[];
  /** Index of the first record of this message. */
  readonly from: number;
  /** Maximum size of the message, before any TSIG the caller appends. */
  readonly limit: number;
  readonly edns: EdnsOut | null;
}

/**
 * One message of a zone transfer (RFC 5936 §2.2): the question, then as many whole records from
 * `rrs[from]` on as fit under `limit`, compressed within this message only, never TC. Returns
 * the message and the index of the first record left for the next one.
 */
export function encodeChunk(spec: ChunkSpec): { buf: Buffer; next: number } {
  const { msg, question, edns } = spec;
  const dict: Dict = new Map();
  out.set(msg.subarray(HEADER_LEN, question.end), HEADER_LEN);
  registerQuestion(question.nameKey, dict);
  const max = Math.min(spec.limit, TCP_MAX) - (edns ? OPT_LEN : 0);
  const [written, next] = writeSection(spec.rrs, question.end, max, dict, [], spec.from);
  let off = written;
  if (next === spec.from && next < spec.rrs.length) throw new Error(`record ${spec.rrs[next]?.owner ?? ''} does not fit in a message`);
  if (edns) off = writeOpt(off, 0, edns);
  out.writeUInt16BE(spec.id, 0);
  // QR, AA (RFC 5936 §2.2.1), RD copied; everything else 0.
  out[2] = 0x84 | ((msg[2] ?? 0) & 0x01);
  out[3] = 0;
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(next - spec.from, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(edns ? 1 : 0, 10);
  return { buf: Buffer.from(out.subarray(0, off)), next };
}
