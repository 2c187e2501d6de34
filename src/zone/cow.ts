/**
 * @module Copy-on-write editing of a Snapshot: the first write to a namespace's service map or
 * to a PTR shard copies just that map, so the next snapshot shares everything it did not touch
 * and the previous snapshot is never modified.
 */
import { ptrShard, type Snapshot, type SvcView } from './snapshot.ts';

export class SnapshotEditor {
  readonly #prev: Snapshot;
  #namespaces: Map<string, ReadonlyMap<string, SvcView>> | undefined;
  readonly #copiedNs = new Map<string, Map<string, SvcView>>();
  #ptrIndex: Map<string, ReadonlyMap<string, readonly string[]>> | undefined;
  readonly #copiedShards = new Map<string, Map<string, readonly string[]>>();

  constructor(prev: Snapshot) {
    this.#prev = prev;
  }

  get changed(): boolean {
    return this.#namespaces !== undefined || this.#ptrIndex !== undefined;
  }

  get namespaces(): ReadonlyMap<string, ReadonlyMap<string, SvcView>> {
    return this.#namespaces ?? this.#prev.namespaces;
  }

  get ptrIndex(): ReadonlyMap<string, ReadonlyMap<string, readonly string[]>> {
    return this.#ptrIndex ?? this.#prev.ptrIndex;
  }

  /** Namespaces whose service maps were written. */
  touchedNamespaces(): Iterable<string> {
    return this.#copiedNs.keys();
  }

  #topLevel(): Map<string, ReadonlyMap<string, SvcView>> {
    return (this.#namespaces ??= new Map(this.#prev.namespaces));
  }

  #nsMap(ns: string): Map<string, SvcView> {
    let m = this.#copiedNs.get(ns);
    if (!m) {
      const top = this.#topLevel();
      m = new Map(top.get(ns) ?? []);
      this.#copiedNs.set(ns, m);
      top.set(ns, m);
    }
    return m;
  }

  /** Replace (or with `next` undefined, delete) one service, keeping the PTR index in step. */
  setService(ns: string, name: string, next: SvcView | undefined): void {
    const old = this.#prev.namespaces.get(ns)?.get(name);
    if (old === next) return;
    if (next) this.#nsMap(ns).set(name, next);
    else if (old) this.#nsMap(ns).delete(name);
    const k = `${ns}/${name}`;
    for (const ip of old?.ptr.keys() ?? []) if (!next?.ptr.has(ip)) this.#ptr(ip, k, false);
    for (const ip of next?.ptr.keys() ?? []) if (!old?.ptr.has(ip)) this.#ptr(ip, k, true);
  }

  /** Make a namespace present (possibly with no services) or absent. */
  setNamespacePresent(ns: string, present: boolean): void {
    const has = this.namespaces.has(ns);
    if (present && !has) this.#nsMap(ns);
    else if (!present && has) {
      this.#topLevel().delete(ns);
      this.#copiedNs.delete(ns);
    }
  }

  #ptr(key: string, svcKey: string, add: boolean): void {
    const index = (this.#ptrIndex ??= new Map(this.#prev.ptrIndex));
    const shardKey = ptrShard(key);
    let shard = this.#copiedShards.get(shardKey);
    if (!shard) {
      shard = new Map(index.get(shardKey) ?? []);
      this.#copiedShards.set(shardKey, shard);
      index.set(shardKey, shard);
    }
    const rest = (shard.get(key) ?? []).filter((x) => x !== svcKey);
    // Sorted, so PTR answers do not depend on the order services arrived in.
    if (add) {
      rest.push(svcKey);
      rest.sort();
    }
    if (rest.length > 0) shard.set(key, rest);
    else shard.delete(key);
    // An empty shard must go: shard existence answers partial reverse names.
    if (shard.size === 0) {
      index.delete(shardKey);
      this.#copiedShards.delete(shardKey);
    }
  }
}
