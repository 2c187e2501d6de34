/**
 * @module Watch streams (the apiserver's watch handler over HTTP/1.1 chunked JSON, one
 * `{"type","object"}` per line). rv unset or "0": synthetic ADDED events for the current state
 * first; rv N: every event after N, or an ERROR event carrying a 410 Expired Status when the
 * history no longer reaches N. Optional BOOKMARK events carry the latest resourceVersion.
 */
import type { ServerResponse } from 'node:http';
import { ApiError, toStatus } from './errors.ts';
import { filterEvent, matches } from './list.ts';
import { apiVersionOf } from './resources.ts';
import type { Target } from './registry.ts';
import type { Selector } from './selectors.ts';
import type { KObject, Store } from './store.ts';

export interface WatchParams {
  resourceVersion: string | undefined;
  labels: Selector;
  fields: Selector;
  bookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number | undefined;
  bookmarkIntervalMs: number;
  /** Converts each object for the wire (Table printing for `kubectl get -w`). */
  render: (obj: KObject, first: boolean) => unknown;
}

/** kube-apiserver's `--min-request-timeout` (1800 s by default). */
const MIN_REQUEST_TIMEOUT_S = 1800;

/**
 * How long a watch lasts: `timeoutSeconds` when the client gave one above 0; otherwise, as
 * kube-apiserver's watch handler, the min request timeout times a random factor in [1, 2), so
 * that watches opened together (every client's, after a restart) do not all end together.
 */
export function watchTimeoutMs(timeoutSeconds: number | undefined, random: () => number = Math.random): number {
  if (timeoutSeconds !== undefined && timeoutSeconds > 0) return timeoutSeconds * 1000;
  return Math.round(MIN_REQUEST_TIMEOUT_S * 1000 * (1 + random()));
}

/**
 * The last encoded event line. The store hands one event to every watch synchronously, one
 * after another, so watchers of the same resource with plain JSON rendering share one
 * JSON.stringify per event instead of one per watcher. Stored objects are never mutated
 * (store.ts), so the object's identity and the event type determine the line.
 */
let lastLine: { object: unknown; type: string; line: string } | undefined;

function eventLine(type: string, object: unknown): string {
  const last = lastLine;
  if (last && last.object === object && last.type === type) return last.line;
  const line = JSON.stringify({ type, object }) + '\n';
  lastLine = { object, type, line };
  return line;
}

function parseRv(rv: string): number {
  if (!/^\d+$/.test(rv)) throw new ApiError(400, 'BadRequest', `invalid resource version: ${rv}`);
  return Number(rv);
}

/** Start streaming; returns once the stream is set up (it ends by timeout or client close). */
export function serveWatch(res: ServerResponse, store: Store, t: Target, p: WatchParams): void {
  const fromRv = p.resourceVersion === undefined || p.resourceVersion === '' || p.resourceVersion === '0' ? undefined : parseRv(p.resourceVersion);
  const backlog = fromRv === undefined ? undefined : store.eventsSince(t.id, fromRv);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  // Clients (client-go, client-node) wait for the response head before reporting the watch open.
  res.flushHeaders();
  let first = true;
  // An ended or destroyed response gets nothing more: a write after end is an 'error' event
  // on the response, and nothing listens for it (the 'close' that unsubscribes comes later).
  const closed = (): boolean => res.writableEnded || res.destroyed;
  const send = (type: string, object: unknown): void => {
    if (!closed()) res.write(JSON.stringify({ type, object }) + '\n');
  };
  const sendObj = (type: string, o: KObject): void => {
    if (closed()) return;
    const rendered = p.render(o, first);
    first = false;
    // Only an object passed through as is may share its encoding (Tables are per watcher).
    if (rendered === o) res.write(eventLine(type, o));
    else send(type, rendered);
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    const metadata: Record<string, unknown> = { resourceVersion: String(store.currentRv()) };
    if (annotations) metadata.annotations = annotations;
    send('BOOKMARK', { kind: t.info.kind, apiVersion: apiVersionOf(t.info), metadata });
  };
  if (backlog === 'expired') {
    const err = new ApiError(410, 'Expired', `too old resource version: ${fromRv} (${store.oldestWatchableRv()})`);
    send('ERROR', toStatus(err));
    res.end();
    return;
  }
  if (backlog === undefined || p.sendInitialEvents) {
    for (const o of store.list(t.id, t.namespace)) if (matches(o, p.labels, p.fields)) sendObj('ADDED', o);
    if (p.sendInitialEvents && p.bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    for (const ev of backlog) {
      const out = filterEvent(ev, t.namespace, p.labels, p.fields);
      if (out) sendObj(out.type, out.object);
    }
  }
  const unsubscribe = store.subscribe((ev) => {
    if (ev.resource !== t.id) return;
    const out = filterEvent(ev, t.namespace, p.labels, p.fields);
    if (out) sendObj(out.type, out.object);
  });
  const timers: NodeJS.Timeout[] = [];
  if (p.bookmarks) timers.push(setInterval(() => bookmark(), p.bookmarkIntervalMs));
  const timeoutMs = watchTimeoutMs(p.timeoutSeconds);
  const stop = (): void => {
    unsubscribe();
    for (const tm of timers) clearTimeout(tm);
  };
  timers.push(setTimeout(() => {
    if (p.bookmarks) bookmark();
    stop();
    res.end();
  }, timeoutMs));
  for (const tm of timers) tm.unref();
  res.on('close', stop);
}
