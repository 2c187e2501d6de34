/**
 * @module The encoded-answer cache of the hot path.
 *
 * A repeat question costs a hash over its bytes, one Map probe and a byte comparison: no
 * string is built and nothing is allocated. Entries are keyed by a 32-bit hash of the
 * lowercased question (RFC 4343) and the reply variant (transport, OPT, DO, size limit), and
 * every hit is verified against the stored key bytes, so a hash collision is only a miss.
 * The whole cache belongs to one zone version: `reset` empties it when the zone changes.
 * It is an LRU (`lru-cache`) bounded by entry count and by bytes.
 */
import { LRUCache } from 'lru-cache';

export interface CachedAnswer {
  /** Lowercased question name in wire form, then QTYPE and QCLASS as sent. */
  readonly key: Uint8Array;
  readonly variant: number;
  /** The encoded reply. Its ID, RD/CD bits and question bytes are patched for every use. */
  buf: Buffer;
}

export class AnswerCache {
  private readonly lru: LRUCache<number, CachedAnswer> | null;
  private version = -1;

  constructor(maxEntries: number, maxBytes: number) {
    this.lru = maxEntries > 0
      ? new LRUCache<number, CachedAnswer>({ max: maxEntries, maxSize: maxBytes, sizeCalculation: (e) => e.buf.length })
      : null;
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }

  /** Drop everything when the zone's version moves: answers are only valid for their version. */
  reset(version: number): void {
    if (version === this.version) return;
    this.version = version;
    this.lru?.clear();
  }

  /**
   * True when the last `find` hit matched the entry's buffer byte for byte, question case
   * included: a leased reply then needs only its header patched.
   */
  sameQuestion = false;

  /**
   * The entry for the question at msg[12, nameEnd + 4), if any. The name is compared
   * case-insensitively against the stored lowercase key; QTYPE and QCLASS exactly.
   */
  find(hash: number, variant: number, msg: Uint8Array, nameEnd: number): CachedAnswer | undefined {
    this.sameQuestion = false;
    const e = this.lru?.get(hash);
    if (e === undefined || e.variant !== variant) return undefined;
    const key = e.key;
    const end = nameEnd + 4;
    if (key.length !== end - 12) return undefined;
    // Most repeats are byte-identical to the previous use of the entry (whose question the
    // buffer still holds): one plain comparison settles them.
    const buf = e.buf;
    let p = 12;
    while (p < end && msg[p] === buf[p]) p++;
    if (p === end) {
      this.sameQuestion = true;
      return e;
    }
    for (let i = p - 12; p < end; i++, p++) {
      const c = msg[p]!;
      if (c === key[i]) continue;
      if (p >= nameEnd || c < 0x41 || c > 0x5a || (c | 0x20) !== key[i]) return undefined;
    }
    return e;
  }

  /** Store a reply. A colliding hash replaces the older entry (it just becomes a miss). */
  add(hash: number, entry: CachedAnswer): void {
    this.lru?.set(hash, entry);
  }
}
