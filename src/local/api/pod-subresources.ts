/**
 * @module The pod subresources that reach into a node: `log` here; `exec`, `attach` and
 * `portforward` answer what kube-apiserver answers before an upgrade. Validation comes first
 * (options, then the pod, then the container), as in pkg/registry/core/pod/rest.
 */
import { badRequest, methodNotAllowed } from './errors.ts';
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
  throw methodNotAllowed();
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
