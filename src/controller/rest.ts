/**
 * @module The write side of the API the controller needs: JSON requests with kubeconfig
 * authentication over node:http(s). Reads come from informers (src/kube/informer.ts).
 * We do not use client-node's typed clients for writes because their serializer re-types
 * objects (Date fields) and drops fields it does not know, which would mangle pods we
 * built from arbitrary templates.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError, buildUrl, isStaleSocket, toApiError } from '../kube/client.ts';

export interface Api {
  get<T>(path: string): Promise<T>;
  create<T>(path: string, body: unknown): Promise<T>;
  replace<T>(path: string, body: unknown): Promise<T>;
  /** RFC 7386 JSON merge patch. */
  mergePatch<T>(path: string, body: unknown): Promise<T>;
  remove(path: string, body?: unknown): Promise<void>;
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.code === 404;
export const isAlreadyExists = (err: unknown): boolean => err instanceof ApiError && err.code === 409 && err.reason === 'AlreadyExists';
export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.code === 409 && err.reason !== 'AlreadyExists';

/**
 * Connections per client, as HTTP/1.1 cannot multiplex (client-go speaks HTTP/2 and holds one).
 * A slow-start batch of 32 creates would otherwise open 32 TLS connections, and a new one costs
 * 2–3 ms of CPU on each end against ~0.15 ms for a request on a kept-alive one: on the embedded
 * cluster, about a quarter of a 100-pod scale-up. Eight keep the pipe full against a remote API.
 */
const MAX_SOCKETS = 8;

export function kubeApi(kc: KubeConfig): Api {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    https: new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
  };
  async function call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new Error('kubeconfig has no current cluster');
    const url = buildUrl(server, path);
    const opts: https.RequestOptions = { method, headers: { Accept: 'application/json' } };
    await kc.applyToHTTPSOptions(opts);
    const secure = url.protocol === 'https:';
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = { ...opts.headers, ...(payload ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}) };
    const send = (retried: boolean): Promise<T> => new Promise<T>((resolve, reject) => {
      const req = (secure ? https : http).request(url, { ...opts, headers, agent: secure ? agents.https : agents.http }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) return reject(toApiError(status, text));
          try {
            resolve((text ? JSON.parse(text) : undefined) as T);
          } catch {
            reject(new Error(`invalid JSON from ${method} ${path}`));
          }
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (!retried && isStaleSocket(req, err)) send(true).then(resolve, reject);
        else reject(err);
      });
      req.end(payload);
    });
    return send(false);
  }
  return {
    get: (path) => call('GET', path),
    create: (path, body) => call('POST', path, body),
    replace: (path, body) => call('PUT', path, body),
    mergePatch: (path, body) => call('PATCH', path, body, 'application/merge-patch+json'),
    remove: async (path, body) => {
      await call('DELETE', path, body);
    },
  };
}

export const paths = {
  pods: (ns: string) => `/api/v1/namespaces/${ns}/pods`,
  pod: (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}`,
  claims: (ns: string) => `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
  claim: (ns: string, name: string) => `/api/v1/namespaces/${ns}/persistentvolumeclaims/${name}`,
  revisions: (ns: string) => `/apis/apps/v1/namespaces/${ns}/controllerrevisions`,
  revision: (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/controllerrevisions/${name}`,
  set: (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/statefulsets/${name}`,
  setStatus: (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/statefulsets/${name}/status`,
  events: (ns: string) => `/api/v1/namespaces/${ns}/events`,
  lease: (ns: string, name: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`,
  leases: (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
};
