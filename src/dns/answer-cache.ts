/**
 * @module The encoded-answer cache of the hot path.
 *
 * A repeat question costs a hash over its bytes, one Map probe and a byte comparison: no
 * string is built and nothing is allocated. Entries are keyed by a 32-bit hash of the
 * lowercased question (RFC 4343) and the reply variant (transport, OPT, DO, size limit), and
 * every hit is verified against the stored key bytes, so a hash collision is only a miss.
 * Every entry belongs to one zone snapshot. When the zone moves on, `advance` keeps the
 * entries whose scope (zone/scope.ts: the one service an answer was built from) is the same
 * in the new snapshot and drops the rest, so a change to one service does not cost every
 * other service's answers a lookup and an encode again. Without a scope test it drops all.
 * It is an LRU (`lru-cache`) bounded by entry count and by bytes.
 */
import { LRUCache } from 'lru-cache';

/** The index key of entries that depend on the whole zone (never a `ns/svc` scope). */
const GLOBAL = '';

/**
 * The LRU key of a question's reply variant: a client asking with and without EDNS, or over
 * UDP and TCP, keeps one entry for each instead of evicting the other on every switch.
 */
const slotOf = (hash: number, variant: number): number => (hash ^ Math.imul(variant, 0x9e3779b1)) | 0;

export interface CachedAnswer {
  /** Lowercased question name in wire form, then QTYPE and QCLASS as sent. */
  readonly key: Uint8Array;
  readonly variant: number;
  /** The encoded reply. Its ID, RD/CD bits and question bytes are patched for every use. */
  buf: Buffer;
  /** What the answer depends on (zone/scope.ts answerScope); null: the whole zone. */
  readonly scope?: string | null;
}

/** Is `scope` the same in both snapshots (zone/scope.ts sameScope)? */
export type SameScope<S> = (prev: S, next: S, scope: string) => boolean;

export class AnswerCache<S = unknown> {
  private readonly lru: LRUCache<number, CachedAnswer> | null;
  private snap: S | undefined;
  /** LRU keys of the entries by scope; those without one are under GLOBAL. */
  private readonly byScope = new Map<string, Set<number>>();

  constructor(maxEntries: number, maxBytes: number) {
    this.lru = maxEntries > 0
      ? new LRUCache<number, CachedAnswer>({
        max: maxEntries, maxSize: maxBytes, sizeCalculation: (e) => e.buf.length,
        // Also called when an entry is replaced or deleted, so the index never names a gone entry.
        dispose: (e, hash) => this.unindex(e, hash),
      })
      : null;
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }

  /**
   * Move to the zone snapshot `snap`. Entries whose scope `same` finds unchanged stay; all
   * others go. Costs one test per distinct scope cached, not one per entry.
   */
  advance(snap: S, same?: SameScope<S>): void {
    const prev = this.snap;
    if (snap === prev) return;
    this.snap = snap;
    const lru = this.lru;
    if (lru === null || lru.size === 0) return;
    if (prev === undefined || same === undefined) {
      lru.clear();
      return;
    }
    // delete() calls dispose, which removes the key from its set (and an emptied set from the
    // map): deleting the entry being visited is safe in a Map's and a Set's iteration.
    for (const [scope, keys] of this.byScope) {
      if (scope !== GLOBAL && same(prev, snap, scope)) continue;
      for (const k of keys) lru.delete(k);
    }
  }

  private unindex(e: CachedAnswer, hash: number): void {
    const k = e.scope ?? GLOBAL;
    const set = this.byScope.get(k);
    if (set?.delete(hash) && set.size === 0) this.byScope.delete(k);
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
    const e = this.lru?.get(slotOf(hash, variant));
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

  /** Store a reply. A colliding slot replaces the older entry (it just becomes a miss). */
  add(hash: number, entry: CachedAnswer): void {
    const lru = this.lru;
    if (lru === null) return;
    const slot = slotOf(hash, entry.variant);
    lru.set(slot, entry);
    // An entry over the byte cap is not stored (and not disposed): index only what is there.
    if (lru.peek(slot) !== entry) return;
    const k = entry.scope ?? GLOBAL;
    let set = this.byScope.get(k);
    if (set === undefined) this.byScope.set(k, (set = new Set()));
    set.add(slot);
  }
}
