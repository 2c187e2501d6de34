/**
 * @module The HTTPS front: bearer-token authentication, then discovery, health, OpenAPI,
 * version and resource routes. Every failure becomes a Status response; nothing thrown by a
 * request reaches the process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { Logger } from '../../log.ts';
import { aggregatedDiscovery, apiGroupDoc, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.ts';
import { ApiError, methodNotAllowed } from './errors.ts';
import { handleResource, type HandlerContext } from './handlers.ts';
import { asApiError, sendError, sendJson } from './http.ts';
import { matchNodeSubresource, servePodSubresource } from './pod-subresources.ts';
import { matchProxyPath, serveProxy } from './proxy.ts';
import { findResource } from './resources.ts';
import { route } from './router.ts';
import { openapiV2, openapiV3, openapiV3Index } from '../kubectl/openapi.ts';

export interface ServerContext extends HandlerContext {
  token: string;
  log: Logger;
  serverAddress: () => string;
  /** What /metrics serves (metrics.ts). */
  metrics: MetricsRegistry;
}

export function authorized(req: IncomingMessage, token: string): boolean {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Which aggregated discovery version the Accept header asks for, if any (KEP-3352). */
function aggregatedVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const part of (accept ?? '').split(',')) {
    if (!/as=APIGroupDiscoveryList/.test(part) || !/g=apidiscovery\.k8s\.io/.test(part)) continue;
    if (/v=v2beta1/.test(part)) return 'v2beta1';
    if (/v=v2(;|$|\s)/.test(part)) return 'v2';
  }
  return undefined;
}

function sendDiscovery(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const parts = path.split('/').filter(Boolean);
  const agg = aggregatedVersion(req.headers.accept);
  if ((path === '/api' || path === '/apis') && agg) {
    sendJson(res, 200, aggregatedDiscovery(path === '/api', agg), {
      'Content-Type': `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`,
    });
    return true;
  }
  let doc: unknown;
  if (path === '/api') doc = apiVersions(ctx.serverAddress());
  else if (path === '/apis') doc = apiGroupList();
  else if (parts[0] === 'api' && parts.length === 2) doc = apiResourceList('', parts[1]!);
  else if (parts[0] === 'apis' && parts.length === 2) doc = apiGroupDoc(parts[1]!);
  else if (parts[0] === 'apis' && parts.length === 3) doc = apiResourceList(parts[1]!, parts[2]!);
  if (doc === undefined) return false;
  sendJson(res, 200, doc);
  return true;
}

function sendOpenApi(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (path === '/openapi/v2') {
    const doc = openapiV2();
    if (/application\/com\.github\.proto-openapi\.spec\.v2/.test(req.headers.accept ?? '')) {
      res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': doc.protobuf.length });
      res.end(doc.protobuf);
    } else sendJson(res, 200, doc.json);
    return true;
  }
  if (path === '/openapi/v3') { sendJson(res, 200, openapiV3Index()); return true; }
  if (path.startsWith('/openapi/v3/')) {
    const doc = openapiV3(path.slice('/openapi/v3/'.length));
    if (!doc) return false;
    sendJson(res, 200, doc);
    return true;
  }
  return false;
}

/** Requests a kube-apiserver passes on to a pod or its kubelet: proxy, log, exec, attach, port-forward. */
function nodeRequest(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void> | undefined {
  // Proxy paths are matched on the raw path: their tail (trailing slash included) is the pod's.
  const proxy = matchProxyPath(url.pathname);
  if (proxy) return serveProxy(ctx.reg, ctx.pods.backend, proxy, req, res, url.search);
  const node = matchNodeSubresource(path);
  if (!node) return undefined;
  const t = { info: findResource('', 'v1', 'pods')!, id: 'pods', namespace: node.namespace };
  return Promise.resolve(servePodSubresource(ctx, { req, res, t, name: node.name, subresource: node.subresource, query: url.searchParams }, node.name));
}

async function sendMetrics(metrics: MetricsRegistry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
  const text = await metrics.metrics();
  res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}

const HEALTH = new Set(['/healthz', '/readyz', '/livez']);

async function dispatch(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://local');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (HEALTH.has(path) || path.startsWith('/healthz/') || path.startsWith('/readyz/') || path.startsWith('/livez/')) {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('ok');
    return;
  }
  if (!authorized(req, ctx.token)) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
  if (path === '/version') return sendJson(res, 200, SERVER_VERSION);
  if (path === '/metrics') return sendMetrics(ctx.metrics, req, res);
  if (path.startsWith('/openapi/') && req.method === 'GET' && sendOpenApi(req, res, path)) return;
  const toNode = nodeRequest(ctx, req, res, url, path);
  if (toNode) return toNode;
  const r = route(path);
  if (r?.type === 'discovery') {
    if (req.method !== 'GET') throw methodNotAllowed();
    if (sendDiscovery(ctx, req, res, path)) return;
  }
  if (r?.type === 'resource') {
    const t = { info: r.info, id: r.id, namespace: r.namespace };
    return handleResource(ctx, { req, res, t, name: r.name, subresource: r.subresource, query: url.searchParams });
  }
  throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', r?.type === 'unknownResource' ? { group: r.group || undefined, kind: r.resource } : undefined);
}

/** The request listener: logs unexpected failures and always answers with a Status. */
export function requestListener(ctx: ServerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    dispatch(ctx, req, res).catch((err: unknown) => {
      const e = asApiError(err);
      if (e.code >= 500) ctx.log.error({ err, method: req.method, url: req.url }, 'request failed');
      sendError(res, e);
    });
  };
}
