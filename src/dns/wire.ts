/**
 * @module Reading queries off the wire (RFC 1035 §4.1, RFC 6891 §6.1).
 * The hot path never runs a general decoder: it reads the header, the single question and
 * the OPT pseudo-record straight from the buffer. This module only *describes* what is
 * wrong with a query (`QueryProblem`); `handler.ts` alone turns problems into rcodes.
 */

export const HEADER_LEN = 12;
export const OPT_TYPE = 41;
/** TSIG (RFC 8945 §4.2): when present, the last record of the additional section. */
export const TSIG_TYPE = 250;
export const IXFR_TYPE = 251;
export const AXFR_TYPE = 252;
/** Largest message a 2-byte TCP length prefix can carry (RFC 1035 §4.2.2). */
export const TCP_MAX = 65535;
/** UDP limit for clients that did not send EDNS (RFC 1035 §4.2.1). */
export const UDP_PLAIN_MAX = 512;

export interface Edns {
  /** Requestor's UDP payload size, raised to 512 (RFC 6891 §6.2.5). */
  readonly udpSize: number;
  readonly version: number;
  /** DNSSEC OK; copied into the response (RFC 3225 §3). */
  readonly dnssecOk: boolean;
}

export interface Query {
  readonly id: number;
  /** Opcode from the flags word (RFC 1035 §4.1.1). */
  readonly opcode: number;
  /** The lowercased question name in wire form, as a latin1 string: a cheap cache key. */
  readonly nameKey: string;
  readonly qtype: number;
  readonly qclass: number;
  /** Offset just past QCLASS: bytes [12, questionEnd) are echoed verbatim (0x20 case echo). */
  readonly questionEnd: number;
  readonly edns: Edns | null;
  /** Offset of the TSIG record (the last additional record), or -1 when unsigned. */
  readonly tsigAt: number;
}

export type QueryProblem =
  | 'short'        // fewer than 12 bytes: nothing to answer to
  | 'response'     // QR=1: never answer a response (loops)
  | 'opcode'       // not a standard QUERY
  | 'qdcount'      // QDCOUNT != 1 (RFC 9619)
  | 'question'     // truncated or malformed question name
  | 'sections'     // answer/authority records in a query
  | 'additional'   // malformed additional section
  | 'opt'          // bad OPT: not at the root, duplicated, bad length (RFC 6891 §6.1.1)
  | 'meta'         // OPT used as QTYPE
  | 'badvers';     // EDNS version we do not implement (RFC 6891 §6.1.3)

export type ParseResult =
  | { readonly ok: true; readonly query: Query }
  | {
    readonly ok: false;
    readonly problem: QueryProblem;
    /** Present when the header, the question and the OPT were readable, for echoing. */
    readonly partial: Query | null;
    readonly id: number;
    readonly opcode: number;
  };

interface NameRead { readonly key: string; readonly end: number }

const MAX_NAME = 255;
// One scratch array holds the lowercased wire name while it is read; queries are handled
// one at a time on the event loop, so sharing it is safe.
const scratch = Buffer.allocUnsafe(MAX_NAME + 1);

/**
 * Read an uncompressed name at `off` into its lowercased wire form (RFC 4343: case-insensitive,
 * ASCII only). The dotted form is built only on a cache miss (`dottedName`).
 */
function readQuestionName(msg: Uint8Array, off: number): NameRead | null {
  let pos = off;
  let wlen = 0;
  for (;;) {
    if (pos >= msg.length) return null;
    const len = msg[pos]!;
    if (len === 0) break;
    // Pointers (0xC0) make no sense in the first question and extended label types are obsolete.
    if (len > 63 || pos + 1 + len > msg.length || wlen + len + 2 > MAX_NAME) return null;
    scratch[wlen++] = len;
    for (let i = pos + 1; i <= pos + len; i++) {
      const c = msg[i]!;
      scratch[wlen++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    }
    pos += len + 1;
  }
  scratch[wlen++] = 0;
  return { key: scratch.toString('latin1', 0, wlen), end: pos + 1 };
}

/** Dotted lowercase form of a wire-form name key, without the trailing dot; the root is ''. */
export function dottedName(key: string): string {
  let out = '';
  let pos = 0;
  for (let len = key.charCodeAt(0); len > 0; len = key.charCodeAt(pos)) {
    if (pos > 0) out += '.';
    for (let i = pos + 1; i <= pos + len; i++) out += presentationChar(key.charCodeAt(i));
    pos += len + 1;
  }
  return out;
}

/** Offsets (relative to the name's start) of each label's length byte in a wire-form key. */
export function labelStarts(key: string): number[] {
  const out: number[] = [];
  for (let pos = 0, len = key.charCodeAt(0); len > 0; pos += len + 1, len = key.charCodeAt(pos)) out.push(pos);
  return out;
}

/** RFC 4343 §2.1 presentation: escape the dot and backslash, and bytes outside printable ASCII. */
function presentationChar(c: number): string {
  if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c) return String.fromCharCode(c);
  if (c === 0x2e || c === 0x5c) return '\\' + String.fromCharCode(c);
  return '\\' + String(c).padStart(3, '0');
}

/** Skip a possibly compressed name; returns the offset after it or -1. */
export function skipName(msg: Uint8Array, off: number): number {
  let pos = off;
  for (let guard = 0; guard < 128; guard++) {
    if (pos >= msg.length) return -1;
    const len = msg[pos]!;
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) return pos + 2 <= msg.length ? pos + 2 : -1;
    if (len > 63) return -1;
    pos += len + 1;
  }
  return -1;
}

/** Read a possibly compressed name at `off` as lowercase dotted text; null if malformed. */
export function readName(msg: Uint8Array, off: number): string | null {
  const labels: string[] = [];
  let pos = off;
  for (let guard = 0; guard < 128; guard++) {
    if (pos >= msg.length) return null;
    const len = msg[pos]!;
    if (len === 0) return labels.join('.').toLowerCase();
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length) return null;
      pos = ((len & 0x3f) << 8) | msg[pos + 1]!;
      continue;
    }
    if (len > 63 || pos + 1 + len > msg.length) return null;
    labels.push(dottedName(String.fromCharCode(len) + Buffer.from(msg.buffer, msg.byteOffset + pos + 1, len).toString('latin1') + '\0'));
    pos += len + 1;
  }
  return null;
}

type AdditionalRead = { readonly edns: Edns | null; readonly tsigAt: number } | { readonly problem: QueryProblem };

/** Skip `count` whole records from `off`; returns the offset after them or -1. */
export function skipRecords(msg: Uint8Array, off: number, count: number): number {
  let pos = off;
  for (let i = 0; i < count && pos >= 0; i++) {
    pos = skipName(msg, pos);
    if (pos < 0 || pos + 10 > msg.length) return -1;
    pos += 10 + ((msg[pos + 8]! << 8) | msg[pos + 9]!);
    if (pos > msg.length) return -1;
  }
  return pos;
}

/**
 * Walk the additional section looking for the single OPT (RFC 6891 §6.1.1) and a TSIG, which
 * must be the last record (RFC 8945 §5.1). Other records are ignored.
 */
function readAdditional(msg: Uint8Array, off: number, count: number): AdditionalRead {
  let pos = off;
  let edns: Edns | null = null;
  let tsigAt = -1;
  for (let i = 0; i < count; i++) {
    const owner = pos;
    pos = skipName(msg, pos);
    if (pos < 0 || pos + 10 > msg.length) return { problem: 'additional' };
    const type = (msg[pos]! << 8) | msg[pos + 1]!;
    const rdlen = (msg[pos + 8]! << 8) | msg[pos + 9]!;
    if (pos + 10 + rdlen > msg.length) return { problem: type === OPT_TYPE ? 'opt' : 'additional' };
    if (type === TSIG_TYPE) {
      if (i !== count - 1) return { problem: 'additional' };
      tsigAt = owner;
    }
    if (type === OPT_TYPE) {
      if (edns !== null || msg[owner] !== 0) return { problem: 'opt' };
      const size = (msg[pos + 2]! << 8) | msg[pos + 3]!;
      edns = { udpSize: Math.max(size, UDP_PLAIN_MAX), version: msg[pos + 5]!, dnssecOk: (msg[pos + 6]! & 0x80) !== 0 };
    }
    pos += 10 + rdlen;
  }
  return { edns, tsigAt };
}

/** FNV-1a over the question bytes, kept in 32 bits: the answer cache's key. */
const fnvStart = 0x811c9dc5;
function fnvByte(h: number, b: number): number {
  return Math.imul(h ^ b, 0x01000193) >>> 0;
}

/** What the hot path reads from a query of the common shape (see `scanQuery`). */
export interface QueryScan {
  /** FNV-1a over the lowercased name, QTYPE and QCLASS: the answer cache's key. */
  hash: number;
  /** Offset just past the name's root label; QTYPE and QCLASS follow. */
  nameEnd: number;
  edns: boolean;
  /** The requestor's UDP size raised to 512 (RFC 6891 §6.2.5); 512 without EDNS. */
  udpSize: number;
  dnssecOk: boolean;
}

// Reused for every scan: queries are handled one at a time, and callers copy what they keep.
const scanned: QueryScan = { hash: 0, nameEnd: 0, edns: false, udpSize: UDP_PLAIN_MAX, dnssecOk: false };

/**
 * Read the common query shape without allocating: QR=0, opcode QUERY, one question with an
 * uncompressed name, no answer or authority records, and in the additional section either
 * nothing or a single version-0 OPT at the root. Anything else returns null and goes to
 * `parseQuery`, which also decides what is wrong with it. A scan never accepts a query that
 * `parseQuery` would reject.
 */
export function scanQuery(msg: Uint8Array): QueryScan | null {
  const n = msg.length;
  // QR=0 and opcode 0; QDCOUNT=1, ANCOUNT=NSCOUNT=0 and ARCOUNT ≤ 1, read as two 32-bit words.
  if (n < HEADER_LEN + 5 || (msg[2]! & 0xf8) !== 0) return null;
  const counts = ((msg[4]! << 24) | (msg[5]! << 16) | (msg[6]! << 8) | msg[7]!) >>> 0;
  const rest = ((msg[8]! << 24) | (msg[9]! << 16) | (msg[10]! << 8)) >>> 0;
  if (counts !== 0x00010000 || rest !== 0) return null;
  const arcount = msg[11]!;
  if (arcount > 1 || !scanName(msg)) return null;
  const nameEnd = scanned.nameEnd;
  if (nameEnd + 4 > n || (msg[nameEnd] === 0 && msg[nameEnd + 1] === OPT_TYPE)) return null;
  let h = scanned.hash;
  for (let i = nameEnd; i < nameEnd + 4; i++) h = fnvByte(h, msg[i]!);
  scanned.hash = h;
  scanned.edns = false;
  scanned.udpSize = UDP_PLAIN_MAX;
  scanned.dnssecOk = false;
  return arcount === 0 || scanOpt(msg, nameEnd + 4) ? scanned : null;
}

/** Hash the uncompressed question name, lowercased, into `scanned`; false if it is malformed. */
function scanName(msg: Uint8Array): boolean {
  const n = msg.length;
  let h = fnvStart;
  let pos = HEADER_LEN;
  let wlen = 1;
  for (;;) {
    if (pos >= n) return false;
    const len = msg[pos]!;
    if (len === 0) break;
    wlen += len + 1;
    if (len > 63 || pos + 1 + len > n || wlen > MAX_NAME) return false;
    h = fnvByte(h, len);
    for (let i = pos + 1; i <= pos + len; i++) {
      const c = msg[i]!;
      h = fnvByte(h, c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
    }
    pos += len + 1;
  }
  scanned.hash = fnvByte(h, 0);
  scanned.nameEnd = pos + 1;
  return true;
}

/**
 * A version-0 OPT at `p` (RFC 6891 §6.1.2: root owner, TYPE 41, CLASS = UDP size, TTL =
 * extended rcode, version and flags, then RDLENGTH) into `scanned`; false for anything else.
 */
function scanOpt(msg: Uint8Array, p: number): boolean {
  const n = msg.length;
  if (p + 11 > n || msg[p] !== 0 || msg[p + 1] !== 0 || msg[p + 2] !== OPT_TYPE || msg[p + 6] !== 0) return false;
  if (p + 11 + ((msg[p + 9]! << 8) | msg[p + 10]!) > n) return false;
  scanned.edns = true;
  scanned.udpSize = Math.max((msg[p + 3]! << 8) | msg[p + 4]!, UDP_PLAIN_MAX);
  scanned.dnssecOk = (msg[p + 7]! & 0x80) !== 0;
  return true;
}

/**
 * Where the additional section starts, or -1: answer or authority records are malformed in a
 * query (RFC 1035 §4.1.1 counts), except the one SOA of an IXFR (RFC 1995 §3), which the
 * transfer code reads.
 */
function additionalAt(msg: Uint8Array, questionEnd: number, qtype: number): number {
  const nscount = (msg[8]! << 8) | msg[9]!;
  if (msg[6]! | msg[7]!) return -1;
  if (nscount === 0) return questionEnd;
  return qtype === IXFR_TYPE && nscount === 1 ? skipRecords(msg, questionEnd, 1) : -1;
}

/** Parse a query message. Never throws, whatever the bytes. */
export function parseQuery(msg: Uint8Array): ParseResult {
  if (msg.length < HEADER_LEN) return { ok: false, problem: 'short', partial: null, id: 0, opcode: 0 };
  const id = (msg[0]! << 8) | msg[1]!;
  const opcode = (msg[2]! >> 3) & 0x0f;
  if (msg[2]! & 0x80) return { ok: false, problem: 'response', partial: null, id, opcode };
  // An opcode we do not implement is reported as such whatever else is wrong (NOTIMP wins).
  const fail = (problem: QueryProblem, partial: Query | null = null): ParseResult =>
    ({ ok: false, problem: opcode !== 0 ? 'opcode' : problem, partial, id, opcode });
  if (((msg[4]! << 8) | msg[5]!) !== 1) return fail('qdcount');
  const nm = readQuestionName(msg, HEADER_LEN);
  if (nm === null || nm.end + 4 > msg.length) return fail('question');
  const questionEnd = nm.end + 4;
  const qtype = (msg[nm.end]! << 8) | msg[nm.end + 1]!;
  const qclass = (msg[nm.end + 2]! << 8) | msg[nm.end + 3]!;
  const query = (edns: Edns | null, tsigAt = -1): Query => ({ id, opcode, nameKey: nm.key, qtype, qclass, questionEnd, edns, tsigAt });
  const addAt = additionalAt(msg, questionEnd, qtype);
  if (addAt < 0) return fail('sections', query(null));
  const add = readAdditional(msg, addAt, (msg[10]! << 8) | msg[11]!);
  if ('problem' in add) return fail(add.problem, query(null));
  const q = query(add.edns, add.tsigAt);
  if (opcode !== 0) return fail('opcode', q);
  if (add.edns !== null && add.edns.version > 0) return fail('badvers', q);
  if (qtype === OPT_TYPE) return fail('meta', q);
  return { ok: true, query: q };
}
