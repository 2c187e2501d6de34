/**
 * @module The AXFR messages of one zone in one snapshot, encoded once and shared by every
 * transfer of that snapshot. A transfer's messages differ from another's only in the header (ID,
 * RD) and the question's bytes (QTYPE, the letter case the client chose), so each transfer
 * writes its own header and question and then the shared rest, which never changes. Compression
 * pointers into the question stay valid because only the question's length matters to them, and
 * that is part of the key. Messages are encoded lazily, in order, by whichever transfer first
 * needs one, pulling records from the snapshot as it goes: no single event-loop turn gathers or
 * encodes a whole zone.
 *
 * Lifetime: an encoding is held while any transfer uses it, and kept afterwards only while its
 * snapshot is the journal's latest (the next AXFR of an unchanged zone costs no encoding). Once
 * superseded and unused it is dropped (`prune`, on every journal change and transfer end).
 */
import type { Snapshot } from '../zone/snapshot.ts';
import { zoneRecordStream, type ZoneRef } from '../zone/transfer.ts';
import type { WireRR } from '../zone/types.ts';
import { encodeChunk, type EdnsOut } from './encode.ts';

/**
 * Records buffered ahead of the next message: more than any message can hold (a record is at
 * least 11 octets: a root or pointer owner and the fixed fields), so a message never ends early
 * for want of records.
 */
const AHEAD = 2048;

/** One zone's AXFR in one snapshot, for one question length and EDNS form. */
export class SharedAxfr {
  readonly snap: Snapshot;
  readonly zone: ZoneRef;
  /** Transfers streaming from this encoding right now. */
  users = 0;
  readonly #messages: Buffer[] = [];
  readonly #query: Buffer;
  readonly #question: { readonly nameKey: string; readonly end: number };
  readonly #limit: number;
  readonly #edns: EdnsOut | null;
  #records: Iterator<WireRR> | null;
  #rrs: WireRR[];
  #from = 0;
  #count = 0;

  /** `query` gives the question bytes the encoding starts from (any asker's; each transfer patches in its own). */
  constructor(snap: Snapshot, zone: ZoneRef, query: Buffer, question: { nameKey: string; end: number }, limit: number, edns: EdnsOut | null) {
    this.snap = snap;
    this.zone = zone;
    this.#query = Buffer.from(query.subarray(0, question.end));
    this.#question = { nameKey: question.nameKey, end: question.end };
    this.#limit = limit;
    this.#edns = edns;
    this.#records = zoneRecordStream(snap, zone);
    this.#rrs = [zone.apex.soa];
  }

  /** Records in the transfer, both SOAs included; known once the last message is encoded. */
  get records(): number {
    return this.#count;
  }

  /** Messages encoded so far. */
  get encoded(): number {
    return this.#messages.length;
  }

  /**
   * The `k`-th message (k counts from 0), encoded now if no transfer has needed it yet; null past
   * the last. Its header carries ID 0 and the first asker's RD bit; bytes [12, question end) are
   * the first asker's question.
   */
  message(k: number): Buffer | null {
    while (this.#messages.length <= k) {
      if (!this.#records && this.#from >= this.#rrs.length) return null;
      this.#encodeNext();
    }
    return this.#messages[k]!;
  }

  #encodeNext(): void {
    while (this.#records && this.#rrs.length - this.#from < AHEAD) {
      const r = this.#records.next();
      if (!r.done) { this.#rrs.push(r.value); continue; }
      this.#rrs.push(this.zone.apex.soa);
      this.#records = null;
    }
    // The OPT goes in the first message only (RFC 5936 §2.2.5).
    const edns = this.#messages.length === 0 ? this.#edns : null;
    const { buf, next } = encodeChunk({ id: 0, msg: this.#query, question: this.#question, rrs: this.#rrs, from: this.#from, limit: this.#limit, edns });
    this.#messages.push(buf);
    this.#count += next - this.#from;
    // Drop records already written, so a finished encoding holds only its messages.
    this.#rrs = this.#rrs.slice(next);
    this.#from = 0;
  }
}

/** The shared encodings in use or reusable: at most one per (snapshot, zone, question length, EDNS form). */
export class SharedAxfrs {
  readonly #entries = new Map<string, SharedAxfr>();
  readonly #latest: () => Snapshot | undefined;
  readonly #limit: number;

  /** `latest` is the journal's newest snapshot; `limit` the size of every message before its TSIG. */
  constructor(latest: () => Snapshot | undefined, limit: number) {
    this.#latest = latest;
    this.#limit = limit;
  }

  /** The encoding of `zone` in `snap` for this asker, created if needed; call `release` when done with it. */
  acquire(snap: Snapshot, zone: ZoneRef, query: Buffer, question: { nameKey: string; end: number }, edns: EdnsOut | null): SharedAxfr {
    const key = `${snap.serial}\0${zone.apex.name}\0${question.end}\0${edns ? (edns.dnssecOk ? 2 : 1) : 0}`;
    let entry = this.#entries.get(key);
    if (entry && entry.snap !== snap) {
      // Two sealed snapshots never share a serial (serial.ts); if they ever did, do not mix them.
      entry = new SharedAxfr(snap, zone, query, question, this.#limit, edns);
    } else if (!entry) {
      entry = new SharedAxfr(snap, zone, query, question, this.#limit, edns);
      this.#entries.set(key, entry);
    }
    entry.users++;
    return entry;
  }

  release(entry: SharedAxfr): void {
    entry.users--;
    this.prune();
  }

  /** Drop every encoding no transfer uses whose snapshot is no longer the latest. */
  prune(): void {
    const latest = this.#latest();
    for (const [key, e] of this.#entries) if (e.users <= 0 && e.snap !== latest) this.#entries.delete(key);
  }

  /** Encodings held (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }
}
