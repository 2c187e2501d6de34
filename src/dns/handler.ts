/**
 * @module The one place that chooses rcodes for protocol errors, and the answer cache.
 * Names are entirely the zone's business: `lookup` decides NXDOMAIN/NODATA/REFUSED.
 * Everything here is synchronous: the snapshot read and the answer happen in one turn.
 */
import type { Logger } from '../log.ts';
import type { LookupResult, ZoneSnapshot, ZoneSource } from '../zone/types.ts';
import { Rcode } from '../zone/types.ts';
import { encodeResponse, type EdnsOut } from './encode.ts';
import { AnswerCache, type CachedAnswer } from './answer-cache.ts';
import { AXFR_TYPE, HEADER_LEN, IXFR_TYPE, TCP_MAX, UDP_PLAIN_MAX, dottedName, parseQuery, scanQuery, skipName, type Query, type QueryProblem } from './wire.ts';
import type { XfrMessage, XfrResponder } from './xfr.ts';

export type LookupFn = (snap: ZoneSnapshot, qname: string, qtype: number, qclass: number) => LookupResult;
export type OnQuery = (qtype: number, rcode: number, micros: number) => void;

/**
 * What a cached answer depends on, so that a zone change keeps the answers it did not touch
 * (zone/scope.ts). Without it, every new snapshot empties the answer cache.
 */
export interface AnswerScopes {
  of(snap: ZoneSnapshot, qname: string, res: LookupResult): string | null;
  same(prev: ZoneSnapshot, next: ZoneSnapshot, scope: string): boolean;
}

export interface HandlerOptions {
  readonly source: ZoneSource;
  readonly lookup: LookupFn;
  readonly scopes?: AnswerScopes;
  /** Cap on the client's advertised EDNS UDP size (RFC 6891 §6.2.5; 1232 per DNS flag day 2020). */
  readonly maxUdpSize: number;
  /** Encoded answers kept; 0 disables the cache. */
  readonly cacheSize: number;
  readonly log: Logger;
  readonly onQuery?: OnQuery;
  /** Zone transfers and TSIG; without it, both are refused (REFUSED, BADKEY). */
  readonly xfr?: XfrResponder;
  /** While true, every query is answered SERVFAIL: the zone is known to be old (freshness.ts). */
  readonly holding?: () => boolean;
}

/**
 * The client's address where reading it costs something (the batched UDP path): only the
 * answers that depend on who asks (transfers, TSIG) call `address()`. One object is reused.
 */
export interface PeerRef { address(): string }
export type Peer = string | PeerRef;

/** Answer one message; null means send nothing. `peer` is the client's address. */
export interface Handler {
  /** The reply belongs to the caller. */
  (msg: Buffer, tcp: boolean, peer?: string): Buffer | null;
  /**
   * The reply may be the answer cache's own buffer, patched in place, so it is valid only until
   * the next call. A caller that could not hand it to the kernel at once calls `keep()`; the TCP
   * listener copies it into its output at once (`tcp` true: a TCP reply's size limit).
   */
  lease(msg: Buffer, peer?: Peer, tcp?: boolean): Buffer | null;
  /**
   * TCP: the messages of a zone transfer (AXFR/IXFR) for the shell to stream one by one, or
   * null when `msg` is not a transfer request (answer it with the handler then).
   */
  transfer(msg: Buffer, peer: string): Iterator<XfrMessage> | null;
  /** The last leased buffer stays with the caller; the cache continues with a copy. */
  keep(): void;
}

const CACHE_MAX_BYTES = 64 * 1024 * 1024;

/** RFC 6891 §9: extended rcode 16 = BADVERS. */
export const BADVERS = 16;

/** The rcode policy for malformed queries. `drop` = no reply at all. */
export function problemRcode(problem: QueryProblem): number | 'drop' {
  switch (problem) {
    case 'short': return 'drop';    // no header to answer with
    case 'response': return 'drop'; // answering responses invites reflection loops
    case 'opcode': return Rcode.NOTIMP;
    case 'badvers': return BADVERS;
    default: return Rcode.FORMERR;
  }
}

const EMPTY: readonly never[] = [];
const EMPTY_SECTIONS = { answer: EMPTY, authority: EMPTY, additional: EMPTY };

/** Effective size limit for this query (RFC 1035 §4.2.1, RFC 6891 §6.2.5). */
function sizeLimit(tcp: boolean, ednsUdpSize: number | null, maxUdp: number): number {
  if (tcp) return TCP_MAX;
  return ednsUdpSize !== null ? Math.max(UDP_PLAIN_MAX, Math.min(ednsUdpSize, maxUdp)) : UDP_PLAIN_MAX;
}
const limitOf = (q: Query, tcp: boolean, maxUdp: number): number => sizeLimit(tcp, q.edns?.udpSize ?? null, maxUdp);

/**
 * The variant of a reply for one question: everything besides the question that changes its
 * bytes (transport, OPT presence, DO, size limit). Limits fit in 16 bits.
 */
function variantOf(tcp: boolean, edns: boolean, dnssecOk: boolean, limit: number): number {
  return limit * 8 + (tcp ? 1 : 0) + (edns ? 2 : 0) + (dnssecOk ? 4 : 0);
}

/** QTYPE of a plain query (QR=0, opcode 0, one question), without parsing it; -1 otherwise. */
export function peekQtype(msg: Uint8Array): number {
  if (msg.length < HEADER_LEN + 5 || (msg[2]! & 0xf8) !== 0 || msg[4] !== 0 || msg[5] !== 1) return -1;
  const end = skipName(msg, HEADER_LEN);
  return end < 0 || end + 4 > msg.length ? -1 : (msg[end]! << 8) | msg[end + 1]!;
}

const isTransfer = (qtype: number): boolean => qtype === AXFR_TYPE || qtype === IXFR_TYPE;

export function createHandler(opts: HandlerOptions): Handler {
  const { source, lookup, maxUdpSize, onQuery, xfr } = opts;
  const log = opts.log;
  // Bounded by count and by bytes: 10,000 entries of 7.8 KB SRV answers would be 78 MB.
  const cache = new AnswerCache<ZoneSnapshot>(opts.cacheSize, CACHE_MAX_BYTES);
  const scopes = opts.scopes;
  const sameScope = scopes ? (a: ZoneSnapshot, b: ZoneSnapshot, k: string): boolean => scopes.same(a, b, k) : undefined;
  let leased: CachedAnswer | null = null;

  function ednsOut(q: Query | null): EdnsOut | null {
    return q?.edns ? { payload: maxUdpSize, dnssecOk: q.edns.dnssecOk } : null;
  }

  function errorReply(msg: Buffer, problem: QueryProblem, partial: Query | null, id: number, opcode: number): Buffer | null {
    const rcode = problemRcode(problem);
    if (rcode === 'drop') return null;
    // A broken OPT is not echoed: we could not trust anything it said (RFC 6891 §7).
    const edns = problem === 'opt' ? null : ednsOut(partial);
    const question = partial ? { nameKey: partial.nameKey, end: partial.questionEnd } : null;
    return encodeResponse({ id, opcode, rcode, aa: false, msg, question, ...EMPTY_SECTIONS, limit: UDP_PLAIN_MAX, edns });
  }

  /** The scope of the answer encodeAnswer built last; null after a failure (zone/scope.ts). */
  let lastScope: string | null = null;

  function encodeAnswer(snap: ZoneSnapshot, msg: Buffer, q: Query, limit: number): Buffer {
    lastScope = null;
    const qname = dottedName(q.nameKey);
    let res: LookupResult;
    try {
      res = lookup(snap, qname, q.qtype, q.qclass);
    } catch (err) {
      log.error({ err, qtype: q.qtype }, 'lookup failed');
      res = { rcode: Rcode.SERVFAIL, aa: false, ...EMPTY_SECTIONS };
    }
    const question = { nameKey: q.nameKey, end: q.questionEnd };
    const spec = { id: q.id, opcode: 0, msg, question, limit, edns: ednsOut(q) };
    try {
      const out = encodeResponse({ ...spec, rcode: res.rcode, aa: res.aa, answer: res.answer, authority: res.authority, additional: res.additional });
      lastScope = scopes ? scopes.of(snap, qname, res) : null;
      return out;
    } catch (err) {
      log.error({ err, qtype: q.qtype }, 'encoding failed');
      return encodeResponse({ ...spec, rcode: Rcode.SERVFAIL, aa: false, ...EMPTY_SECTIONS });
    }
  }

  /** Signed queries and transfers go to the transfer responder; the rest are looked up. */
  function answerParsed(snap: ZoneSnapshot, msg: Buffer, q: Query, tcp: boolean, peer: Peer): Buffer {
    const limit = limitOf(q, tcp, maxUdpSize);
    if (xfr && (q.tsigAt >= 0 || isTransfer(q.qtype))) {
      return xfr.single(msg, q, tcp, typeof peer === 'string' ? peer : peer.address(), limit, (room) => encodeAnswer(snap, msg, q, room)) ?? encodeAnswer(snap, msg, q, limit);
    }
    return encodeAnswer(snap, msg, q, limit);
  }

  /**
   * One reply. With `lease`, a cache hit returns the cache's own buffer patched in place: it
   * is the caller's only until the next call (see `Handler.keep`). Otherwise the caller owns it.
   * While `holding` (a thread back from a freeze), SERVFAIL.
   */
  function reply(msg: Buffer, tcp: boolean, lease: boolean, peer: Peer): Buffer | null {
    const holding = opts.holding;
    return holding !== undefined && holding() ? held(msg, tcp, onQuery ? performance.now() : 0) : answer(msg, tcp, lease, peer);
  }

  function answer(msg: Buffer, tcp: boolean, lease: boolean, peer: Peer): Buffer | null {
    const t0 = onQuery ? performance.now() : 0;
    const snap = source.current();
    cache.advance(snap, sameScope);
    let out: Buffer | null;
    let qtype: number;
    let badvers = false;
    // The common query shape is looked up in the cache without parsing; a miss is cached below.
    let scan = scanQuery(msg);
    // Transfers are never cached: who asks decides the answer.
    if (scan !== null && isTransfer((msg[scan.nameEnd]! << 8) | msg[scan.nameEnd + 1]!)) scan = null;
    let slot: { hash: number; variant: number; nameEnd: number } | null = null;
    if (scan !== null) {
      const nameEnd = scan.nameEnd;
      const variant = variantOf(tcp, scan.edns, scan.dnssecOk, sizeLimit(tcp, scan.edns ? scan.udpSize : null, maxUdpSize));
      const hit = cache.find(scan.hash, variant, msg, nameEnd);
      if (hit !== undefined) {
        if (lease) {
          leased = hit;
          // The buffer already holds this exact question: only the header changes.
          out = patch(hit.buf, hit.buf, msg, cache.sameQuestion ? HEADER_LEN : nameEnd + 4);
        } else {
          out = patch(Buffer.allocUnsafe(hit.buf.length), hit.buf, msg, nameEnd + 4);
        }
        return done(out, (msg[nameEnd]! << 8) | msg[nameEnd + 1]!, false, t0);
      }
      slot = { hash: scan.hash, variant, nameEnd };
    }
    const parsed = parseQuery(msg);
    if (parsed.ok) {
      const q = parsed.query;
      out = answerParsed(snap, msg, q, tcp, peer);
      qtype = q.qtype;
      if (slot !== null && q.tsigAt < 0) {
        const key = Buffer.alloc(slot.nameEnd + 4 - HEADER_LEN);
        key.write(q.nameKey, 0, 'latin1');
        msg.copy(key, slot.nameEnd - HEADER_LEN, slot.nameEnd, slot.nameEnd + 4);
        // The cache keeps its own copy: it is patched in place on later leases.
        cache.add(slot.hash, { key, variant: slot.variant, buf: ownCopy(out), scope: lastScope });
      }
    } else {
      out = errorReply(msg, parsed.problem, parsed.partial, parsed.id, parsed.opcode);
      qtype = parsed.partial?.qtype ?? 0;
      badvers = parsed.problem === 'badvers';
    }
    return done(out, qtype, badvers, t0);
  }

  /** SERVFAIL with the question echoed; malformed messages get their usual error reply. */
  function held(msg: Buffer, tcp: boolean, t0: number): Buffer | null {
    const parsed = parseQuery(msg);
    if (!parsed.ok) return done(errorReply(msg, parsed.problem, parsed.partial, parsed.id, parsed.opcode), parsed.partial?.qtype ?? 0, parsed.problem === 'badvers', t0);
    const q = parsed.query;
    const out = encodeResponse({ id: q.id, opcode: 0, msg, question: { nameKey: q.nameKey, end: q.questionEnd }, limit: limitOf(q, tcp, maxUdpSize), edns: ednsOut(q), rcode: Rcode.SERVFAIL, aa: false, ...EMPTY_SECTIONS });
    return done(out, q.qtype, false, t0);
  }

  /** Report the query to `onQuery` (qtype, rcode, microseconds) and hand back the reply. */
  function done(out: Buffer | null, qtype: number, badvers: boolean, t0: number): Buffer | null {
    // Only BADVERS needs more than the header's 4 bits, and it is never an answer.
    if (onQuery && out) onQuery(qtype, badvers ? BADVERS : out[3]! & 0x0f, Math.round((performance.now() - t0) * 1000));
    return out;
  }

  const handle = ((msg: Buffer, tcp: boolean, peer = '') => reply(msg, tcp, false, peer)) as Handler;
  handle.lease = (msg: Buffer, peer: Peer = '', tcp = false) => {
    leased = null;
    return reply(msg, tcp, true, peer);
  };
  handle.transfer = (msg: Buffer, peer: string) => {
    if (!xfr || !isTransfer(peekQtype(msg))) return null;
    const parsed = parseQuery(msg);
    return parsed.ok ? xfr.stream(msg, parsed.query, peer) : null;
  };
  handle.keep = () => {
    // The caller still holds the leased bytes (a queued send): the cache moves to a copy.
    if (leased !== null) leased.buf = ownCopy(leased.buf);
    leased = null;
  };
  return handle;
}

/**
 * A cached answer for a new query, written into `out` (which may be `cached` itself): fresh ID,
 * the query's RD/CD bits, its question bytes (RFC 4343 case echo, the "0x20" trick).
 */
function patch(out: Buffer, cached: Buffer, msg: Buffer, questionEnd: number): Buffer {
  if (out !== cached) cached.copy(out);
  out[0] = msg[0]!;
  out[1] = msg[1]!;
  out[2] = (cached[2]! & 0xfe) | (msg[2]! & 0x01);
  out[3] = (cached[3]! & 0xef) | (msg[3]! & 0x10);
  if (questionEnd > HEADER_LEN) msg.copy(out, HEADER_LEN, HEADER_LEN, questionEnd);
  return out;
}

/**
 * A copy in memory of its own, for the answer cache. Buffer.from would take a small copy from
 * Node's shared 8 KB pool, and a cached answer lives for minutes: each one then holds a whole
 * slab alive after the replies sharing it were sent, and as the cache turns over the process
 * keeps thousands of mostly dead slabs (the soak's `ordinal local` RSS climbed for ten minutes
 * before it levelled off). Node's documentation gives the same advice for retained small
 * buffers (Buffer.allocUnsafeSlow).
 */
function ownCopy(b: Uint8Array): Buffer {
  const c = Buffer.allocUnsafeSlow(b.length);
  c.set(b);
  return c;
}
