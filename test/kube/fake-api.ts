/**
 * A small fake Kubernetes API for informer tests: real HTTP list (paged) and watch
 * (newline-delimited JSON), resourceVersions, compaction (410), selectors, dropped
 * connections, injected failures, and stop/restart on the same port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
  [k: string]: unknown;
}

interface Event {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
}

interface Route {
  resource: string;
  namespace?: string;
}

/** '/api/v1/pods', '/api/v1/namespaces/x/pods', '/apis/g/v/…' → resource + namespace. */
export function parseRoute(path: string): Route | undefined {
  const m = /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)\/(?:namespaces\/([^/]+)\/)?([^/]+)$/.exec(path);
  if (!m) return undefined;
  const prefix = path.startsWith('/api/v1') ? '/api/v1' : path.split('/').slice(0, 4).join('/');
  return { resource: `${prefix}/${m[2]}`, namespace: m[1] };
}

function matchesLabels(obj: Obj, sel: string | null): boolean {
  if (!sel) return true;
  const labels = obj.metadata.labels ?? {};
  return sel.split(',').every((term) => {
    const [k, v] = term.split('=');
    return v === undefined ? k! in labels : labels[k!] === v;
  });
}

function matchesFields(obj: Obj, sel: string | null): boolean {
  if (!sel) return true;
  return sel.split(',').every((term) => {
    const [k, v] = term.split('=');
    if (k === 'metadata.name') return obj.metadata.name === v;
    if (k === 'metadata.namespace') return obj.metadata.namespace === v;
    return true;
  });
}

export class FakeApi {
  rv = 1;
  compactedRv = 0;
  /** Respond to too-old watches with HTTP 410 instead of a 200 + ERROR event. */
  goneAsHttp = false;
  /** Next N requests fail with HTTP 500. */
  failNext = 0;
  /** Next N list pages asked for with a continue token send half a body, then the connection is cut. */
  cutNextPage = 0;
  /** Next N requests that arrive on a kept-alive connection get it closed instead of an answer (the keep-alive race). */
  resetReused = 0;
  /** Open watches stop getting events but stay connected: a stream stalled below HTTP (a frozen reader's TCP backing off). */
  stallWatches = false;
  /** The next list request is answered only after this many ms (a list in flight). */
  delayNextList = 0;
  /** Watch requests are answered only after this many ms (a busy API server). */
  watchDelayMs = 0;
  private readonly served = new WeakMap<object, number>();
  /** Resources (e.g. '/apis/apps/v1/statefulsets') answered with 403 Forbidden, as RBAC would. */
  readonly forbidden = new Set<string>();
  requests: string[] = [];
  private readonly objects = new Map<string, Map<string, Obj>>();
  private readonly events = new Map<string, Event[]>();
  private stalled = new Set<unknown>();
  private readonly watchers = new Set<{ res: http.ServerResponse; route: Route; q: URLSearchParams }>();
  private server: http.Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.dropWatches();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${this.port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }],
      currentContext: 'fake',
    });
    return kc;
  }

  dropWatches(): void {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
  }

  /** Forget history up to now: watches from older resourceVersions get 410. */
  compact(): void {
    this.compactedRv = this.rv;
    this.events.clear();
  }

  put(resource: string, obj: Obj): Obj {
    const store = this.store(resource);
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const type = store.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    store.set(key, stored);
    this.record(resource, { rv: this.rv, type, object: stored });
    return stored;
  }

  remove(resource: string, name: string, namespace?: string): void {
    const store = this.store(resource);
    const key = `${namespace ?? ''}/${name}`;
    const old = store.get(key);
    if (!old) return;
    store.delete(key);
    const object = { ...structuredClone(old), metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
    this.record(resource, { rv: this.rv, type: 'DELETED', object });
  }

  /** Change state without emitting events (as if it happened while history was compacted). */
  removeSilently(resource: string, name: string, namespace?: string): void {
    this.store(resource).delete(`${namespace ?? ''}/${name}`);
  }

  private store(resource: string): Map<string, Obj> {
    let s = this.objects.get(resource);
    if (!s) this.objects.set(resource, (s = new Map()));
    return s;
  }

  private record(resource: string, ev: Event): void {
    const list = this.events.get(resource) ?? [];
    list.push(ev);
    this.events.set(resource, list);
    if (this.stallWatches) this.stalled = new Set([...this.stalled, ...this.watchers]);
    for (const w of this.watchers) {
      if (w.route.resource === resource && !this.stalled.has(w)) this.send(w, ev);
    }
  }

  private visible(obj: Obj, route: Route, q: URLSearchParams): boolean {
    if (route.namespace && obj.metadata.namespace !== route.namespace) return false;
    return matchesLabels(obj, q.get('labelSelector')) && matchesFields(obj, q.get('fieldSelector'));
  }

  private send(w: { res: http.ServerResponse; route: Route; q: URLSearchParams }, ev: Event): void {
    if (this.visible(ev.object, w.route, w.q)) w.res.write(JSON.stringify({ type: ev.type, object: ev.object }) + '\n');
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(url.pathname + url.search);
    const watch = url.searchParams.get('watch') === 'true';
    const delay = watch ? this.watchDelayMs : this.delayNextList;
    if (delay > 0 && !(req as { delayed?: boolean }).delayed) {
      if (!watch) this.delayNextList = 0;
      (req as { delayed?: boolean }).delayed = true;
      setTimeout(() => { this.requests.pop(); this.handle(req, res); }, delay);
      return;
    }
    const before = this.served.get(req.socket) ?? 0;
    this.served.set(req.socket, before + 1);
    if (before > 0 && this.resetReused > 0) {
      this.resetReused--;
      req.socket.destroy();
      return;
    }
    const route = parseRoute(url.pathname);
    if (this.failNext > 0) {
      this.failNext--;
      return this.status(res, 500, 'InternalError', 'injected failure');
    }
    if (!route) return this.status(res, 404, 'NotFound', 'no route');
    if (this.forbidden.has(route.resource)) return this.status(res, 403, 'Forbidden', `cannot list resource ${route.resource}`);
    if (url.searchParams.get('watch') === 'true') return this.watch(res, route, url.searchParams);
    this.list(res, route, url.searchParams);
  }

  private status(res: http.ServerResponse, code: number, reason: string, message: string): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }));
  }

  private list(res: http.ServerResponse, route: Route, q: URLSearchParams): void {
    const all = [...this.store(route.resource).values()].filter((o) => this.visible(o, route, q));
    const limit = Number(q.get('limit') ?? 0) || all.length;
    const offset = Number(q.get('continue') ?? 0);
    const items = all.slice(offset, offset + limit);
    const more = offset + limit < all.length;
    const body = JSON.stringify({ kind: 'List', metadata: { resourceVersion: String(this.rv), continue: more ? String(offset + limit) : undefined }, items });
    if (offset > 0 && this.cutNextPage > 0) {
      this.cutNextPage--;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.write(body.slice(0, body.length >> 1), () => res.destroy());
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  }

  private watch(res: http.ServerResponse, route: Route, q: URLSearchParams): void {
    const from = Number(q.get('resourceVersion') ?? 0);
    if (from && from < this.compactedRv) {
      if (this.goneAsHttp) return this.status(res, 410, 'Expired', 'too old resource version');
      res.writeHead(200, { 'content-type': 'application/json' });
      const status = { kind: 'Status', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version' };
      res.end(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const w = { res, route, q };
    this.watchers.add(w);
    res.on('close', () => this.watchers.delete(w));
    for (const ev of this.events.get(route.resource) ?? []) {
      if (ev.rv > from) this.send(w, ev);
    }
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (timeout) setTimeout(() => res.end(), timeout * 1000).unref();
  }
}
