/**
 * @module A minimal Kubernetes API transport for list and watch.
 *
 * Why not client-node's `Watch`/`makeInformer`: in 2.0.1 a non-410 error ends the informer
 * for good and a throwing handler becomes an unhandled rejection (control-plane.md §5.2).
 * We only need GET with query parameters and a streamed newline-delimited JSON body, so this
 * file speaks node:http(s) directly and borrows only authentication/TLS from `KubeConfig`
 * (`applyToHTTPSOptions` fills ca/cert/key/Authorization, including exec/OIDC tokens).
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** An API error with the HTTP status (or the `code` of a watch ERROR Status object). */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
  }
}

/** True when the error means "your resourceVersion is too old": relist (k8s API concepts, "410 Gone"). */
export function isGone(err: unknown): boolean {
  return err instanceof ApiError && err.code === 410;
}

/**
 * A request that met Node's documented keep-alive race: the server closed the kept-alive
 * connection while it was idle, so the request never reached it and is safe to send once more
 * on a fresh connection (the callers resend at most once).
 */
export function isStaleSocket(req: http.ClientRequest, err: NodeJS.ErrnoException): boolean {
  return req.reusedSocket && err.code === 'ECONNRESET';
}

/** 403 (RBAC forbids) or 404 (the API group is not served): retrying will not help. */
export function isUnavailable(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.code === 403 || err.code === 404);
}

export type Query = Record<string, string | number | boolean | undefined>;

/** One request target: everything needed to open a connection, resolved once per request. */
interface Target {
  mod: typeof http | typeof https;
  options: https.RequestOptions;
}

// One keep-alive agent per KubeConfig: reconnecting watches reuse sockets instead of
// opening a TLS session each time (cf. client-node #2893, FD exhaustion on reconnect).
const agents = new WeakMap<KubeConfig, { http: http.Agent; https: https.Agent }>();

function agentsFor(kc: KubeConfig): { http: http.Agent; https: https.Agent } {
  let a = agents.get(kc);
  if (!a) {
    a = {
      http: new http.Agent({ keepAlive: true, keepAliveMsecs: 30_000 }),
      https: new https.Agent({ keepAlive: true, keepAliveMsecs: 30_000 }),
    };
    agents.set(kc, a);
  }
  return a;
}

/** Close the idle keep-alive sockets held for `kc` (tests and shutdown). */
export function releaseAgents(kc: KubeConfig): void {
  const a = agents.get(kc);
  if (!a) return;
  a.http.destroy();
  a.https.destroy();
  agents.delete(kc);
}

export function buildUrl(server: string, path: string, query: Query = {}): URL {
  const url = new URL(server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  }
  return url;
}

async function target(kc: KubeConfig, url: URL): Promise<Target> {
  const opts: https.RequestOptions = { headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  const secure = url.protocol === 'https:';
  const a = agentsFor(kc);
  // applyToHTTPSOptions only sets TLS material; a per-request agent would defeat keep-alive,
  // so TLS options go on the request and the shared agent keys its pool by them.
  return { mod: secure ? https : http, options: { ...opts, agent: secure ? a.https : a.http, method: 'GET' } };
}

function serverOf(kc: KubeConfig): string {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  return cluster.server;
}

/** Turn a non-2xx body (usually a metav1.Status) into an ApiError. */
export function toApiError(status: number, body: string): ApiError {
  try {
    const s = JSON.parse(body) as { code?: number; reason?: string; message?: string };
    return new ApiError(s.code ?? status, s.reason ?? '', s.message ?? `HTTP ${status}`);
  } catch {
    return new ApiError(status, '', `HTTP ${status}: ${body.slice(0, 200)}`);
  }
}

export interface Opened {
  res: http.IncomingMessage;
  req: http.ClientRequest;
}

/** Open a GET and resolve once the response headers arrived; non-2xx rejects with ApiError. */
export async function openGet(kc: KubeConfig, path: string, query: Query, signal: AbortSignal): Promise<Opened> {
  const url = buildUrl(serverOf(kc), path, query);
  const t = await target(kc, url);
  const send = (retried: boolean): Promise<Opened> => new Promise<Opened>((resolve, reject) => {
    const req = t.mod.request(url, { ...t.options, signal }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        resolve({ res, req });
        return;
      }
      readAll(res).then((body) => reject(toApiError(status, body)), reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // Seen between the pages of a 100,000-pod list, where it cost a relist from the start.
      if (!retried && isStaleSocket(req, err) && !signal.aborted) send(true).then(resolve, reject);
      else reject(err);
    });
    req.end();
  });
  return send(false);
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** GET a document as text (a 2xx body; non-2xx rejects with ApiError, as openGet). */
export async function getText(kc: KubeConfig, path: string, query: Query, signal: AbortSignal): Promise<string> {
  const { res } = await openGet(kc, path, query, signal);
  return readAll(res);
}

/** GET a JSON document. */
export async function getJson<T>(kc: KubeConfig, path: string, query: Query, signal: AbortSignal): Promise<T> {
  const body = await getText(kc, path, query, signal);
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new Error(`invalid JSON from GET ${path}: ${body.slice(0, 200)}`);
  }
}

/**
 * Stream newline-delimited JSON watch events from `res`, calling `onLine` for each complete
 * line. Resolves when the server ends the stream; rejects on a socket error.
 */
export function readLines(res: http.IncomingMessage, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let done = false;
    const fail = (err: unknown): void => {
      if (done) return;
      done = true;
      res.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf('\n');
      // A throwing consumer must not escape into the emitter (it would crash the process).
      try {
        while (nl >= 0 && !done) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) onLine(line);
          nl = buf.indexOf('\n');
        }
      } catch (err) {
        fail(err);
      }
    });
    res.on('end', () => {
      if (done) return;
      try {
        const last = buf.trim();
        if (last) onLine(last);
      } catch (err) {
        fail(err);
        return;
      }
      done = true;
      resolve();
    });
    res.on('error', fail);
    // A socket closed before 'end' (server killed) must surface as an error, not hang.
    res.on('close', () => fail(new Error('watch stream closed before end')));
  });
}
