/**
 * @module Pure cache transitions for the informer: what a list or a watch event does to the
 * keyed cache, and which add/update/delete notifications follow.
 */

/** The fields every API object has that the informer relies on. */
export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: unknown;
}

export interface Change<T> {
  kind: 'add' | 'update' | 'delete';
  obj: T;
  old?: T;
}

/** Cache key, as client-go's MetaNamespaceKeyFunc: 'namespace/name', or 'name' for cluster-scoped. */
export function objectKey(obj: KubeObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

/**
 * Replace the cache with a full list. Objects missing from the list were deleted while we
 * were not watching (or before a 410): they get a `delete`. Unchanged resourceVersions emit
 * nothing, so a relist after a short outage is quiet.
 */
export function applyList<T extends KubeObject>(prev: ReadonlyMap<string, T>, items: readonly T[]): { next: Map<string, T>; changes: Change<T>[] } {
  const next = new Map<string, T>();
  const changes: Change<T>[] = [];
  for (const obj of items) next.set(objectKey(obj), obj);
  for (const [key, old] of prev) {
    if (!next.has(key)) changes.push({ kind: 'delete', obj: old, old });
  }
  for (const [key, obj] of next) {
    const old = prev.get(key);
    if (!old) changes.push({ kind: 'add', obj });
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) changes.push({ kind: 'update', obj, old });
  }
  return { next, changes };
}

/**
 * Apply one ADDED/MODIFIED/DELETED event to `cache` (mutated in place: the informer owns it).
 * ADDED for a known key is an update (it happens after a reconnect); DELETED for an unknown
 * key still notifies, with the event's final state.
 */
export function applyWatchEvent<T extends KubeObject>(cache: Map<string, T>, type: WatchEvent['type'], obj: T): Change<T> | undefined {
  const key = objectKey(obj);
  const old = cache.get(key);
  if (type === 'DELETED') {
    cache.delete(key);
    return { kind: 'delete', obj: old ?? obj, old };
  }
  if (type !== 'ADDED' && type !== 'MODIFIED') return undefined;
  cache.set(key, obj);
  return old ? { kind: 'update', obj, old } : { kind: 'add', obj };
}
