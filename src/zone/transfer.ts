/**
 * @module Pure zone-transfer content: every record of one zone in a snapshot (AXFR, RFC 5936),
 * the condensed difference between two snapshots (IXFR, RFC 1995 §6), and the bounded journal
 * of sealed snapshots that IXFR answers from. Snapshots share every unchanged service
 * (cow.ts), so a difference only looks at the services whose view object changed, and keeping
 * a few dozen old snapshots costs only the records that changed in between.
 */
import { ptrRecords } from './lookup.ts';
import { serialNewer } from './serial.ts';
import type { Apex, NameNode, Snapshot, SvcView } from './snapshot.ts';
import type { WireRR } from './types.ts';

/** One served zone of a snapshot: its apex and, for forward zones, the index into byZone. */
export interface ZoneRef {
  readonly apex: Apex;
  /** Index of a forward zone in `Snapshot.forward`; -1 for a reverse zone. */
  readonly index: number;
}

/** The zone whose apex is exactly `name` (lowercase, no trailing dot). */
export function findZone(snap: Snapshot, name: string): ZoneRef | undefined {
  const index = snap.forward.findIndex((a) => a.name === name);
  if (index >= 0) return { apex: snap.forward[index]!, index };
  const rev = snap.reverse.find((a) => a.name === name);
  return rev ? { apex: rev, index: -1 } : undefined;
}

function pushNode(node: NameNode, out: WireRR[]): void {
  for (const rrs of node.sets.values()) for (const rr of rrs) out.push(rr);
}

/** A service's records under forward zone `index` (what its names answer). */
function serviceRecords(view: SvcView | undefined, index: number, out: WireRR[]): void {
  const zv = view?.exists ? view.byZone[index] : undefined;
  if (!zv) return;
  pushNode(zv.self, out);
  for (const child of zv.children.values()) pushNode(child, out);
}

const inZone = (owner: string, zone: string): boolean => owner === zone || owner.endsWith(`.${zone}`);

/** The PTRs of the addresses `keys` that lie in reverse zone `zone`. */
function ptrsOf(snap: Snapshot, keys: Iterable<string>, zone: string, out: WireRR[]): void {
  for (const key of keys) for (const rr of ptrRecords(snap, key)) if (inZone(rr.owner, zone)) out.push(rr);
}

/** Records every version of the zone has at its apex besides the SOA: NS, its glue, dns-version. */
function apexRecords(snap: Snapshot, z: ZoneRef, out: WireRR[]): void {
  out.push(...z.apex.ns);
  if (z.index < 0) return;
  const ns = snap.nsHost[z.index];
  if (ns) pushNode(ns, out);
  const txt = snap.versionTxt[z.index];
  if (txt) out.push(txt);
}

/** Every record of the zone except its SOA, each once (RFC 5936 §2.2: the SOA opens and closes). */
export function zoneRecords(snap: Snapshot, z: ZoneRef): WireRR[] {
  return Array.from(zoneRecordStream(snap, z));
}

/**
 * The same records as `zoneRecords`, one at a time in the same order: a transfer pulls them as it
 * encodes its messages, so a 10,000-pod zone is never gathered in one event-loop turn.
 */
export function* zoneRecordStream(snap: Snapshot, z: ZoneRef): Generator<WireRR, void, undefined> {
  const apex: WireRR[] = [];
  apexRecords(snap, z, apex);
  yield* apex;
  // One service (or PTR shard) at a time: each is small, the zone is not.
  if (z.index >= 0) {
    for (const services of snap.namespaces.values()) {
      for (const view of services.values()) {
        const out: WireRR[] = [];
        serviceRecords(view, z.index, out);
        yield* out;
      }
    }
    return;
  }
  for (const shard of snap.ptrIndex.values()) {
    const out: WireRR[] = [];
    ptrsOf(snap, shard.keys(), z.apex.name, out);
    yield* out;
  }
}

/** Identity of a record: owner and its encoded TYPE CLASS TTL RDATA. */
function rrKey(rr: WireRR): string {
  return `${rr.owner}\0${Buffer.from(rr.tail.buffer, rr.tail.byteOffset, rr.tail.length).toString('latin1')}`;
}

function keyed(rrs: readonly WireRR[]): Map<string, WireRR> {
  return new Map(rrs.map((rr) => [rrKey(rr), rr]));
}

/** Pairs of (old, new) service views that differ, found by identity through the shared maps. */
function changedServices(old: Snapshot, cur: Snapshot): Array<[SvcView | undefined, SvcView | undefined]> {
  const out: Array<[SvcView | undefined, SvcView | undefined]> = [];
  if (old.namespaces === cur.namespaces) return out;
  for (const ns of new Set([...old.namespaces.keys(), ...cur.namespaces.keys()])) {
    const om = old.namespaces.get(ns);
    const nm = cur.namespaces.get(ns);
    if (om === nm) continue;
    for (const name of new Set([...(om?.keys() ?? []), ...(nm?.keys() ?? [])])) {
      const ov = om?.get(name);
      const nv = nm?.get(name);
      if (ov !== nv) out.push([ov, nv]);
    }
  }
  return out;
}

export interface ZoneDiff {
  readonly removed: WireRR[];
  readonly added: WireRR[];
}

/**
 * The condensed difference of one zone between two snapshots (RFC 1995 §6): records to delete
 * exist in `old`, records to add do not, and nothing is both added and deleted. SOAs excluded.
 */
export function zoneDiff(old: Snapshot, cur: Snapshot, z: ZoneRef): ZoneDiff {
  const oldZone = findZone(old, z.apex.name);
  const before: WireRR[] = [];
  const after: WireRR[] = [];
  if (oldZone) apexRecords(old, oldZone, before);
  apexRecords(cur, z, after);
  for (const [ov, nv] of changedServices(old, cur)) {
    if (z.index >= 0) {
      serviceRecords(ov, z.index, before);
      serviceRecords(nv, z.index, after);
      continue;
    }
    const keys = new Set([...(ov?.ptr.keys() ?? []), ...(nv?.ptr.keys() ?? [])]);
    ptrsOf(old, keys, z.apex.name, before);
    ptrsOf(cur, keys, z.apex.name, after);
  }
  const b = keyed(before);
  const a = keyed(after);
  return {
    removed: [...b].filter(([k]) => !a.has(k)).map(([, rr]) => rr),
    added: [...a].filter(([k]) => !b.has(k)).map(([, rr]) => rr),
  };
}

/**
 * The last `max` sealed, synced snapshots, keyed by serial (the IXFR journal, RFC 1995 §5).
 * Only sealed snapshots enter, so each serial names exactly one set of records (serial.ts).
 */
export class Journal {
  readonly #max: number;
  readonly #entries: Snapshot[] = [];

  constructor(max = 64) {
    this.#max = Math.max(1, max);
  }

  /** Record a snapshot; false (and nothing kept) unless it is sealed, synced and newer than the last. */
  add(snap: Snapshot): boolean {
    const last = this.latest();
    if (!snap.sealed || !snap.synced || (last && !serialNewer(last.serial, snap.serial))) return false;
    this.#entries.push(snap);
    if (this.#entries.length > this.#max) this.#entries.shift();
    return true;
  }

  latest(): Snapshot | undefined {
    return this.#entries[this.#entries.length - 1];
  }

  find(serial: number): Snapshot | undefined {
    return this.#entries.find((s) => s.serial === serial);
  }

  get size(): number {
    return this.#entries.length;
  }
}

/**
 * The records of an IXFR answer (RFC 1995 §4) for a client at `clientSerial`: one SOA when the
 * client is current (or newer), one condensed step from the journal when it has the client's
 * version and the step is smaller than the zone, otherwise the whole zone (AXFR-style, `rrs`
 * null: the caller streams the zone as for AXFR, without gathering it here).
 */
export function ixfrRecords(journal: Journal, cur: Snapshot, z: ZoneRef, clientSerial: number): { rrs: WireRR[]; style: 'current' | 'incremental' } | { rrs: null; style: 'axfr' } {
  if (!serialNewer(clientSerial, cur.serial)) return { rrs: [z.apex.soa], style: 'current' };
  const old = journal.find(clientSerial);
  const oldZone = old ? findZone(old, z.apex.name) : undefined;
  if (old && oldZone) {
    const { removed, added } = zoneDiff(old, cur, z);
    const size = removed.length + added.length;
    // RFC 1995 §5: an incremental answer larger than the zone is no use (small steps skip the count).
    if (size <= 64 || size <= countRecords(cur, z, size)) {
      return { rrs: [z.apex.soa, oldZone.apex.soa, ...removed, z.apex.soa, ...added, z.apex.soa], style: 'incremental' };
    }
  }
  return { rrs: null, style: 'axfr' };
}

/** How many records the zone has, counting no further than `upTo` + 1. */
function countRecords(snap: Snapshot, z: ZoneRef, upTo: number): number {
  let n = 0;
  for (const _ of zoneRecordStream(snap, z)) if (++n > upTo) break;
  return n;
}
