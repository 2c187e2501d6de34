/**
 * @module A list+watch informer that never stops watching.
 *
 * Semantics (Kubernetes API concepts, "Efficient detection of changes"):
 * - list (paged with limit/continue), then watch from the list's resourceVersion with
 *   `allowWatchBookmarks`; BOOKMARK events only advance the resourceVersion;
 * - a watch that ends (server timeout, dropped connection) resumes from the last seen RV;
 * - 410 Gone (HTTP status or an ERROR event) relists; objects missing from the relist are
 *   deleted and a `delete` is emitted for them (client-go's DeletedFinalStateUnknown case);
 * - any other failure, including an unreachable API, retries with capped, jittered
 *   exponential backoff — forever, until `stop()` (unlike client-node 2.0.1, §5.2);
 * - handlers run synchronously; one that throws is logged and counted, nothing else;
 * - with `onUnavailable`, an optional resource that answers 403 Forbidden (RBAC) or 404 Not Found
 *   (API group not served) ends the informer instead: it counts as synced with what it had;
 * - after the process was stopped (SIGSTOP, a paused container or VM, a suspended laptop) it
 *   relists at once: the watch may have come back stalled (freeze.ts), and only a list, a
 *   consistent read begun after the resume, says when the cache holds all that was missed
 *   (`freshSince`, what a DNS thread back from the freeze waits for: dns/freshness.ts). After its
 *   event loop was merely blocked (its own work) the watch is reopened from its resourceVersion.
 *
 * Usage:
 *   const inf = createInformer<V1Pod>({ kc, path: '/api/v1/pods', log, name: 'pods' });
 *   inf.on('update', (pod, old) => queue.add(objectKey(pod)));
 *   inf.on('synced', () => ...); inf.start(); ... await inf.stop();
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../log.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { processFreezes, type FreezeSignal, type ThawInfo } from './freeze.ts';
import { ApiError, getJson, isGone, isUnavailable, openGet, readLines, toApiError, type Query } from './client.ts';
import { applyList, applyWatchEvent, objectKey, type KubeObject, type WatchEvent } from './store.ts';

export { objectKey, type KubeObject };

/** Tries per list page before the list fails and the informer backs off and starts over. */
const PAGE_ATTEMPTS = 3;

/** API objects arrive as untyped JSON; `transform` is where they become typed (and slim). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawObject = any;

export interface InformerOptions<T extends KubeObject> {
  kc: KubeConfig;
  /** Collection path, e.g. '/api/v1/pods' or '/apis/discovery.k8s.io/v1/namespaces/x/endpointslices'. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Slim an object at ingest. Must keep metadata.name, .namespace and .resourceVersion. */
  transform?: (raw: RawObject) => T;
  log: Logger;
  /** Used in logs and metrics, e.g. 'pods' or 'services/default'. */
  name: string;
  /** Re-emit `update(obj, obj)` for every cached object this often (0/undefined: never). */
  resyncMs?: number;
  backoff?: BackoffOptions;
  /** Page size of the initial list and of relists. */
  pageSize?: number;
  /** Server-side watch timeout range in seconds (randomised like client-go's reflector). */
  watchTimeoutSeconds?: [number, number];
  /** For a resource the caller can do without: a 403/404 stops the informer as synced, and calls this once. */
  onUnavailable?: (err: ApiError) => void;
  /** Where freezes of the process are heard of (tests inject one); the process-wide detector by default. */
  freezes?: FreezeSignal;
}

export interface InformerStats {
  /** Watches reopened after the first one (timeouts, drops, errors, relists). */
  restarts: number;
  /** Lists after the initial one (410 Gone, or the process was stopped). */
  relists: number;
  /** Failed list/watch attempts (excluding 410), i.e. backoffs taken. */
  errors: number;
  /** Handler exceptions caught. */
  handlerErrors: number;
  /** List pages asked for again after failing in transit. */
  pageRetries: number;
  /** Lists or watches reopened because the process had been frozen. */
  thaws: number;
  /** ms epoch of the last moment the cache was known in sync (list done, watch open, event). */
  lastSyncAt: number | undefined;
  /** ms epoch of the last watch event (incl. bookmarks). */
  lastEventAt: number | undefined;
  objects: number;
}

type ChangeHandler<T> = (obj: T, old?: T) => void;

export interface Informer<T extends KubeObject> {
  readonly name: string;
  on(event: 'add' | 'update' | 'delete', fn: ChangeHandler<T>): void;
  on(event: 'synced', fn: () => void): void;
  /** After each complete list, with Date.now() when it began. */
  on(event: 'listed', fn: (startedAt: number) => void): void;
  start(): void;
  stop(): Promise<void>;
  hasSynced(): boolean;
  /** Look up by key: 'namespace/name' for namespaced objects, 'name' otherwise. */
  get(key: string): T | undefined;
  list(): T[];
  /** The cached objects of one namespace ('' for cluster-scoped ones), from an index kept up to date. */
  listNamespace(namespace: string): T[];
  stats(): InformerStats;
  /**
   * The cache holds at least what the API held at this time (Date.now()): when the last complete
   * list began. Infinity for an optional resource it gave up on (there is nothing more to learn).
   */
  freshSince(): number | undefined;
}

const identity = <T>(raw: RawObject): T => raw as T;

export function createInformer<T extends KubeObject>(opts: InformerOptions<T>): Informer<T> {
  const log = opts.log.child({ component: 'informer', resource: opts.name });
  const transform = opts.transform ?? identity<T>;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const handlers = { add: [] as ChangeHandler<T>[], update: [] as ChangeHandler<T>[], delete: [] as ChangeHandler<T>[] };
  const syncedHandlers: (() => void)[] = [];
  const listedHandlers: ((startedAt: number) => void)[] = [];
  let freshSince: number | undefined;
  /** A stop (not a blocked loop) since the last list began: relist before watching on. */
  let relistNeeded = false;
  const stats: InformerStats = { restarts: 0, relists: 0, errors: 0, handlerErrors: 0, pageRetries: 0, thaws: 0, lastSyncAt: undefined, lastEventAt: undefined, objects: 0 };
  let cache = new Map<string, T>();
  // Namespace -> key -> object: controllers read one namespace per sync, not the whole cache.
  let byNamespace = new Map<string, Map<string, T>>();
  const nsOf = (obj: T): string => obj.metadata?.namespace ?? '';
  function indexSet(key: string, obj: T): void {
    let m = byNamespace.get(nsOf(obj));
    if (!m) byNamespace.set(nsOf(obj), (m = new Map()));
    m.set(key, obj);
  }
  function indexDelete(key: string, obj: T): void {
    const m = byNamespace.get(nsOf(obj));
    if (m?.delete(key) && m.size === 0) byNamespace.delete(nsOf(obj));
  }
  let rv: string | undefined;
  let synced = false;
  let running = false;
  let abort = new AbortController();
  let loop: Promise<void> | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let unfreeze: (() => void) | undefined;
  /** Set when a freeze aborted the request in flight: reopen at once, no backoff, no error. */
  let thawed: number | undefined;
  let listing = false;
  /** The last watch was open and delivered events or lived past a second (set as it ends). */
  let watchWasHealthy = false;

  /**
   * After a stop, whatever is in flight is cut short and the informer relists: even a list in
   * flight began before the stop, so it cannot tell what was missed. After a blocked event loop
   * (its own work, a big sync of 100,000 pods) only a watch or a backoff is cut short: starting a
   * list over from page 1 each time would never end.
   */
  function onThaw(frozenMs: number, info: ThawInfo): void {
    if (!running) return;
    if (info.stopped) relistNeeded = true;
    else if (listing) return;
    thawed = frozenMs;
    stats.thaws++;
    abort.abort(new Error('process was frozen'));
    wake?.();
  }

  function safeCall(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      stats.handlerErrors++;
      log.error({ err, event: what }, 'informer handler threw; continuing');
    }
  }

  function emit(kind: 'add' | 'update' | 'delete', obj: T, old?: T): void {
    for (const h of handlers[kind]) safeCall(kind, () => h(obj, old));
  }

  function safeTransform(raw: RawObject): T | undefined {
    try {
      return transform(raw);
    } catch (err) {
      log.warn({ err, key: objectKey(raw as KubeObject) }, 'transform failed; object ignored');
      return undefined;
    }
  }

  type Page = { metadata?: { resourceVersion?: string; continue?: string }; items?: RawObject[] };
  /**
   * One page of the list. A page that fails in transit (a reset or a cut body; not an API error)
   * is asked for again with the same continue token, which stays valid until the API server
   * compacts past it (then 410, and the list starts over): a dropped connection late in a big
   * list does not cost the pages already read.
   */
  async function listPage(q: Query): Promise<Page> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await getJson<Page>(opts.kc, opts.path, q, abort.signal);
      } catch (err) {
        if (err instanceof ApiError || abort.signal.aborted || attempt >= PAGE_ATTEMPTS) throw err;
        stats.pageRetries++;
        log.info({ err: String(err), attempt, continue: Boolean(q.continue) }, 'list page failed in transit; asking for it again');
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  }

  async function relist(): Promise<void> {
    listing = true;
    try {
      await listAll();
    } finally {
      listing = false;
    }
  }

  async function listAll(): Promise<void> {
    const startedAt = Date.now();
    const items: T[] = [];
    let listRv = '';
    let cont: string | undefined;
    do {
      const q: Query = { limit: opts.pageSize ?? 500, continue: cont, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
      const page = await listPage(q);
      if (!cont) listRv = page.metadata?.resourceVersion ?? '';
      for (const raw of page.items ?? []) {
        const obj = safeTransform(raw);
        if (obj) items.push(obj);
      }
      cont = page.metadata?.continue || undefined;
    } while (cont);
    const { next, changes } = applyList(cache, items);
    cache = next;
    byNamespace = new Map();
    for (const [key, obj] of cache) indexSet(key, obj);
    rv = listRv;
    stats.objects = cache.size;
    stats.lastSyncAt = Date.now();
    for (const c of changes) emit(c.kind, c.obj, c.old);
    listed(startedAt);
  }

  /** A complete list is in: the cache is fresh as of its start, and synced if it was not. */
  function listed(startedAt: number): void {
    freshSince = startedAt;
    for (const h of listedHandlers) safeCall('listed', () => h(startedAt));
    if (!synced) {
      synced = true;
      log.info({ objects: cache.size }, 'synced');
      for (const h of syncedHandlers) safeCall('synced', h);
    }
  }

  function onLine(line: string): void {
    const ev = JSON.parse(line) as WatchEvent;
    stats.lastEventAt = stats.lastSyncAt = Date.now();
    if (ev.type === 'ERROR') {
      const s = ev.object as { code?: number };
      throw toApiError(s.code ?? 500, JSON.stringify(ev.object));
    }
    if (ev.type === 'BOOKMARK') {
      rv = (ev.object as KubeObject).metadata?.resourceVersion ?? rv;
      return;
    }
    const obj = safeTransform(ev.object);
    if (!obj) return;
    rv = obj.metadata?.resourceVersion ?? rv;
    const change = applyWatchEvent(cache, ev.type, obj);
    stats.objects = cache.size;
    if (change?.kind === 'delete') indexDelete(objectKey(obj), change.obj);
    else if (change) indexSet(objectKey(obj), obj);
    if (change) emit(change.kind, change.obj, change.old);
  }

  /** One watch; sets `watchWasHealthy` as it ends (it delivered events or lived long enough). */
  async function watchOnce(): Promise<void> {
    const [lo, hi] = opts.watchTimeoutSeconds ?? [300, 600];
    const timeoutSeconds = Math.round(lo + Math.random() * (hi - lo));
    const q: Query = { watch: 'true', resourceVersion: rv, allowWatchBookmarks: 'true', timeoutSeconds, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
    const before = stats.lastEventAt;
    let opened: number | undefined;
    // Client-side deadline in case the server never closes (half-open TCP): server timeout + 30 s.
    const deadline = setTimeout(() => abort.abort(new Error('watch deadline')), (timeoutSeconds + 30) * 1000);
    try {
      const { res } = await openGet(opts.kc, opts.path, q, abort.signal);
      opened = stats.lastSyncAt = Date.now();
      await readLines(res, onLine);
    } finally {
      clearTimeout(deadline);
      // Whether it ended or broke: a watch that was open and worked clears the backoff.
      watchWasHealthy = opened !== undefined && (stats.lastEventAt !== before || Date.now() - opened > 1000);
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (thawed !== undefined) return resolve(); // a freeze since the failure: try again now
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  async function run(): Promise<void> {
    let attempt = 0;
    let gone = 0;
    let first = true;
    while (running) {
      try {
        if (rv === undefined || relistNeeded) {
          if (!first) stats.relists++;
          relistNeeded = false;
          await relist();
        }
        if (!first) stats.restarts++;
        first = false;
        await watchOnce();
        if (watchWasHealthy) attempt = gone = 0;
        else attempt++;
      } catch (err) {
        // A watch that worked for a while and then broke (a cut connection, an API restart) is a
        // first failure, retried at the initial delay; counting on from earlier failures would have
        // every later cut wait the full cap (the soak's replica: 5-10 s blind after each cut).
        if (watchWasHealthy) attempt = gone = 0;
        watchWasHealthy = false;
        if (isGone(err)) gone++;
        const next = afterFailure(err, attempt, gone);
        if (next === 'stop') break;
        if (next === 'now') {
          thawed = undefined;
          abort = new AbortController();
          continue;
        }
        attempt++;
      }
      if (running && attempt > 0) await sleep(backoffDelay(attempt, backoff));
      thawed = undefined;
      abort = new AbortController();
    }
  }

  /** What a failed list or watch leads to: stop, try again at once, or back off first. */
  function afterFailure(err: unknown, attempt: number, gone: number): 'stop' | 'now' | 'backoff' {
    if (!running) return 'stop';
    if (thawed !== undefined) {
      log.info({ frozenMs: Math.round(thawed), rv, relist: relistNeeded }, relistNeeded
        ? 'process was stopped; relisting to learn what it missed'
        : 'event loop was blocked; reopening the watch from its resourceVersion');
      return 'now';
    }
    if (opts.onUnavailable && isUnavailable(err)) {
      giveUp(err, opts.onUnavailable);
      return 'stop';
    }
    if (isGone(err)) {
      log.info({ rv }, 'resourceVersion too old (410 Gone); relisting');
      rv = undefined;
      // Relist at once; only a second 410 without a healthy watch in between backs off,
      // so a misbehaving server cannot make us relist in a tight loop.
      return gone < 2 ? 'now' : 'backoff';
    }
    stats.errors++;
    log.warn({ err: errInfo(err), attempt: attempt + 1 }, 'list/watch failed; retrying');
    return 'backoff';
  }

  /** An optional resource we may not read: stop here and count as synced, so nobody waits for it. */
  function giveUp(err: ApiError, notify: (err: ApiError) => void): void {
    running = false;
    freshSince = Number.POSITIVE_INFINITY;
    if (!synced) {
      synced = true;
      for (const h of syncedHandlers) safeCall('synced', h);
    }
    safeCall('unavailable', () => notify(err));
  }

  function resync(): void {
    for (const obj of [...cache.values()]) emit('update', obj, obj);
  }

  return {
    name: opts.name,
    on(event: 'add' | 'update' | 'delete' | 'synced' | 'listed', fn: ChangeHandler<T> | (() => void) | ((startedAt: number) => void)): void {
      if (event === 'synced') syncedHandlers.push(fn as () => void);
      else if (event === 'listed') listedHandlers.push(fn as (startedAt: number) => void);
      else handlers[event].push(fn as ChangeHandler<T>);
    },
    start(): void {
      if (running) return;
      running = true;
      abort = new AbortController();
      loop = run();
      unfreeze = (opts.freezes ?? processFreezes).subscribe(onThaw);
      if (opts.resyncMs) {
        resyncTimer = setInterval(resync, opts.resyncMs);
        resyncTimer.unref();
      }
    },
    async stop(): Promise<void> {
      running = false;
      unfreeze?.();
      if (resyncTimer) clearInterval(resyncTimer);
      abort.abort(new Error('informer stopped'));
      wake?.();
      await loop;
    },
    hasSynced: () => synced,
    get: (key) => cache.get(key),
    list: () => [...cache.values()],
    listNamespace: (namespace) => [...(byNamespace.get(namespace)?.values() ?? [])],
    stats: () => ({ ...stats }),
    freshSince: () => freshSince,
  };
}

/** Keep logs small: an aborted or refused connection needs a line, not a stack. */
function errInfo(err: unknown): { message: string; code?: unknown } {
  if (err instanceof Error) return { message: err.message, code: (err as { code?: unknown }).code };
  return { message: String(err) };
}
