/**
 * @module The pod subresources that reach into a node: `log` here; `exec`, `attach` and
 * `portforward` answer what kube-apiserver answers before an upgrade. Validation comes first
 * (options, then the pod, then the container), as in pkg/registry/core/pod/rest.
 */
import { badRequest, methodNotAllowed, notFound } from './errors.ts';
import type { Registry } from './registry.ts';
import type { KObject } from './store.ts';
import type { HandlerContext, ResourceRequest } from './handlers.ts';
import { kubeletLogError, logContainer, parseLogOptions, streamLog } from './pod-logs.ts';

const NODE_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(log|exec|attach|portforward)$/;

/**
 * Match a pod subresource that reaches a node. They are routed here rather than through the
 * resource table, which also feeds discovery and the OpenAPI documents (their option kinds,
 * PodExecOptions and the like, have no schema there yet).
 */
export function matchNodeSubresource(path: string): { namespace: string; name: string; subresource: string } | undefined {
  const m = NODE_PATH.exec(path);
  return m ? { namespace: decodeURIComponent(m[1]!), name: decodeURIComponent(m[2]!), subresource: m[3]! } : undefined;
}

export function servePodSubresource(ctx: HandlerContext, r: ResourceRequest, name: string): void {
  if (r.subresource === 'log') return podLog(ctx, r, name);
  // exec, attach, portforward reached as a plain request: the checks, then "upgrade first".
  if (r.req.method !== 'GET' && r.req.method !== 'POST') throw methodNotAllowed();
  if (r.subresource === 'portforward') checkForwardTarget(ctx, r.t.namespace ?? '', name);
  else checkStreamTarget(ctx, r.t.namespace ?? '', name, r.query);
  throw badRequest('Upgrade request required');
}

function podLog(ctx: HandlerContext, r: ResourceRequest, name: string): void {
  if (r.req.method !== 'GET') throw methodNotAllowed();
  const o = parseLogOptions(r.query, name, Date.now());
  const pod = ctx.reg.get(r.t, name);
  const container = logContainer(pod, o.container);
  if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName) {
    // Not scheduled: no kubelet to ask, so kube-apiserver answers with no content.
    r.res.writeHead(204);
    r.res.end();
    return;
  }
  const refused = kubeletLogError(pod, container, o.previous);
  if (refused) throw badRequest(refused);
  streamLog(ctx.pods.backend.containerLog(pod.metadata.uid ?? '', container, o.previous), o, r.req, r.res);
}

interface Checked {
  pod: KObject;
  container: string;
}

/** portforward: the pod and its node only; kube-apiserver takes no container (PortForwardLocation). */
export function checkForwardTarget(ctx: { reg: Registry }, namespace: string, name: string): KObject {
  const pod = ctx.reg.store.get('pods', namespace, name);
  if (!pod) throw notFound('', 'pods', name);
  if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  return pod;
}

/** What kube-apiserver checks before the upgrade (pod/strategy.go streamLocation). */
export function checkStreamTarget(ctx: { reg: Registry }, namespace: string, name: string, q: URLSearchParams): Checked {
  const pod = ctx.reg.store.get('pods', namespace, name);
  if (!pod) throw notFound('', 'pods', name);
  const container = logContainer(pod, q.get('container') ?? undefined);
  if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  return { pod, container };
}

