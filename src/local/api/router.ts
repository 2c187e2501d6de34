/**
 * @module URL → request target, after k8s.io/apiserver pkg/endpoints/request/requestinfo.go:
 * /api/v1/[namespaces/<ns>/]<resource>[/<name>[/<subresource>]] and the same under
 * /apis/<group>/<version>. Pure; unknown paths give `undefined` (404 by the caller).
 */
import { findResource, resourceId, type ResourceInfo } from './resources.ts';

export type Route =
  | { type: 'resource'; info: ResourceInfo; id: string; namespace: string | undefined; name: string | undefined; subresource: string | undefined }
  | { type: 'unknownResource'; group: string; version: string; resource: string }
  | { type: 'discovery'; path: string };

function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
}

export function route(path: string): Route | undefined {
  const parts = splitPath(path);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length <= 2) return { type: 'discovery', path };
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length <= 3) return { type: 'discovery', path };
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  // `namespaces/<ns>/<resource>...` addresses namespaced content; `namespaces/<name>[/status]`
  // addresses the Namespace object itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length) return undefined;
  const info = findResource(group, version, resource);
  if (!info) return { type: 'unknownResource', group, version, resource };
  if (namespace !== undefined && !info.namespaced) return undefined;
  const sub = subresource === undefined ? undefined : info.subresources[subresource];
  if (subresource && (!sub || sub.connect) && !(info.plural === 'namespaces' && subresource === 'finalize')) return undefined;
  return { type: 'resource', info, id: resourceId(info), namespace, name, subresource };
}
