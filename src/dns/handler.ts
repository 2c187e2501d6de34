/**
 * @module The one place that chooses rcodes for protocol errors, and the answer cache.
 * Names are entirely the zone's business: `lookup` decides NXDOMAIN/NODATA/REFUSED.
 * Everything here is synchronous: the snapshot read and the answer happen in one turn.
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from '../log.ts';
import type { LookupResult, ZoneSnapshot, ZoneSource } from '../zone/types.ts';
import { Rcode } from '../zone/types.ts';
import { encodeResponse, type EdnsOut } from './encode.ts';
import { TCP_MAX, UDP_PLAIN_MAX, dottedName, parseQuery, type Query, type QueryProblem } from './wire.ts';

export type LookupFn = (snap: ZoneSnapshot, qname: string, qtype: number, qclass: number) => LookupResult;
export type OnQuery = (qtype: number, rcode: number, micros: number) => void;

export interface HandlerOptions {
  readonly source: ZoneSource;
  readonly lookup: LookupFn;
  /** Cap on the client's advertised EDNS UDP size (RFC 6891 §6.2.5; 1232 per DNS flag day 2020). */
  readonly maxUdpSize: number;
  /** Encoded answers kept; 0 disables the cache. */
  readonly cacheSize: number;
  readonly log: Logger;
  readonly onQuery?: OnQuery;
}

/** Answer one message; null means send nothing. */
export type Handler = (msg: Buffer, tcp: boolean) => Buffer | null;

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
function sizeLimit(q: Query, tcp: boolean, maxUdp: number): number {
  if (tcp) return TCP_MAX;
  return q.edns ? Math.max(UDP_PLAIN_MAX, Math.min(q.edns.udpSize, maxUdp)) : UDP_PLAIN_MAX;
}

export function createHandler(opts: HandlerOptions): Handler {
  const { source, lookup, maxUdpSize, onQuery } = opts;
  const log = opts.log;
  // Bounded by count and by bytes: 10,000 entries of 7.8 KB SRV answers would be 78 MB.
  const cache = opts.cacheSize > 0
    ? new LRUCache<string, Buffer>({ max: opts.cacheSize, maxSize: CACHE_MAX_BYTES, sizeCalculation: (b) => b.length })
    : null;
  let cachedVersion = -1;

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

  function answer(msg: Buffer, q: Query, tcp: boolean): Buffer {
    const snap = source.current();
    if (snap.version !== cachedVersion) {
      cache?.clear();
      cachedVersion = snap.version;
    }
    const limit = sizeLimit(q, tcp, maxUdpSize);
    // Everything that changes the bytes besides the question: transport, OPT presence, DO, size limit.
    const variant = (tcp ? 't' : 'u') + (q.edns ? (q.edns.dnssecOk ? 'D' : 'E') + limit : 'N');
    const key = q.nameKey + String.fromCharCode(q.qtype, q.qclass) + variant;
    const hit = cache?.get(key);
    if (hit) return patch(hit, msg, q.questionEnd);
    let res: LookupResult;
    try {
      res = lookup(snap, dottedName(q.nameKey), q.qtype, q.qclass);
    } catch (err) {
      log.error({ err, qtype: q.qtype }, 'lookup failed');
      res = { rcode: Rcode.SERVFAIL, aa: false, ...EMPTY_SECTIONS };
    }
    const question = { nameKey: q.nameKey, end: q.questionEnd };
    const spec = { id: q.id, opcode: 0, msg, question, limit, edns: ednsOut(q) };
    let buf: Buffer;
    try {
      buf = encodeResponse({ ...spec, rcode: res.rcode, aa: res.aa, answer: res.answer, authority: res.authority, additional: res.additional });
    } catch (err) {
      log.error({ err, qtype: q.qtype }, 'encoding failed');
      return encodeResponse({ ...spec, rcode: Rcode.SERVFAIL, aa: false, ...EMPTY_SECTIONS });
    }
    // Cached buffers are never written to (hits are patched copies), so the reply can share it.
    cache?.set(key, buf);
    return buf;
  }

  return function handle(msg: Buffer, tcp: boolean): Buffer | null {
    const t0 = onQuery ? performance.now() : 0;
    const parsed = parseQuery(msg);
    const reply = parsed.ok
      ? answer(msg, parsed.query, tcp)
      : errorReply(msg, parsed.problem, parsed.partial, parsed.id, parsed.opcode);
    if (onQuery && reply) {
      const qtype = parsed.ok ? parsed.query.qtype : parsed.partial?.qtype ?? 0;
      // Only BADVERS needs more than the header's 4 bits, and it is never an answer.
      const rcode = !parsed.ok && parsed.problem === 'badvers' ? BADVERS : reply[3]! & 0x0f;
      onQuery(qtype, rcode, Math.round((performance.now() - t0) * 1000));
    }
    return reply;
  };
}

/** A cached answer for a new query: fresh ID, the query's RD/CD bits, its question bytes (0x20 echo). */
function patch(cached: Buffer, msg: Buffer, questionEnd: number): Buffer {
  const out = Buffer.allocUnsafe(cached.length);
  cached.copy(out);
  out[0] = msg[0]!;
  out[1] = msg[1]!;
  out[2] = (out[2]! & 0xfe) | (msg[2]! & 0x01);
  out[3] = (out[3]! & 0xef) | (msg[3]! & 0x10);
  msg.copy(out, 12, 12, questionEnd);
  return out;
}
