/**
 * @module Lists and watch filtering: label/field selectors, limit/continue paging, and the
 * selector transitions of a filtered watch (apiserver cacher's watch filtering: an object that
 * stops matching is sent as DELETED, one that starts matching as ADDED).
 */
import { ApiError, badRequest } from './errors.ts';
import { matchFields, matchLabels, type Selector } from './selectors.ts';
import type { EventType, KObject, Store, StoreEvent } from './store.ts';

export interface ListQuery {
  namespace: string | undefined;
  labels: Selector;
  fields: Selector;
  limit: number | undefined;
  continueToken: string | undefined;
}

export interface ListResult {
  items: KObject[];
  resourceVersion: string;
  continueToken: string | undefined;
  remainingItemCount: number | undefined;
}

interface ContinueToken { rv: number; start: string }

function keyOf(o: KObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!;
}

function encodeToken(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'ordinal/1', ...t })).toString('base64url');
}

function decodeToken(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as ContinueToken & { v: string };
    if (t.v !== 'ordinal/1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad');
    return { rv: t.rv, start: t.start };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

export function matches(o: KObject, labels: Selector, fields: Selector): boolean {
  return matchLabels(labels, o.metadata.labels) && matchFields(fields, o);
}

export function listObjects(store: Store, resource: string, q: ListQuery): ListResult {
  let rv = store.currentRv();
  let start = '';
  if (q.continueToken) {
    const tok = decodeToken(q.continueToken);
    if (tok.rv < store.oldestWatchableRv()) {
      throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
    }
    rv = tok.rv;
    start = tok.start;
  }
  const all = store.list(resource, q.namespace, start).filter((o) => matches(o, q.labels, q.fields));
  if (q.limit === undefined || q.limit <= 0 || all.length <= q.limit) {
    return { items: all, resourceVersion: String(rv), continueToken: undefined, remainingItemCount: undefined };
  }
  const items = all.slice(0, q.limit);
  const selective = q.labels.length > 0 || q.fields.length > 0;
  return {
    items,
    resourceVersion: String(rv),
    continueToken: encodeToken({ rv, start: keyOf(items[items.length - 1]!) }),
    remainingItemCount: selective ? undefined : all.length - items.length,
  };
}

/** What a filtered watcher sees for one store event, or undefined when it sees nothing. */
export function filterEvent(ev: StoreEvent, namespace: string | undefined, labels: Selector, fields: Selector): { type: EventType; object: KObject } | undefined {
  if (namespace !== undefined && ev.object.metadata.namespace !== namespace) return undefined;
  const now = ev.type !== 'DELETED' && matches(ev.object, labels, fields);
  const before = ev.prev !== undefined && matches(ev.prev, labels, fields);
  if (ev.type === 'ADDED') return now ? { type: 'ADDED', object: ev.object } : undefined;
  if (ev.type === 'DELETED') return before ? { type: 'DELETED', object: ev.object } : undefined;
  if (now && before) return { type: 'MODIFIED', object: ev.object };
  if (now) return { type: 'ADDED', object: ev.object };
  if (before) return { type: 'DELETED', object: ev.object };
  return undefined;
}
