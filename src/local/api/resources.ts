/**
 * @module The resource registry of the embedded API server: one row per served resource.
 * Discovery (/api, /apis/...), URL routing, and the kubectl engineer's OpenAPI documents all
 * read this table, so what kubectl discovers is exactly what the server routes.
 * Shapes follow meta/v1 APIResource (name, singularName, namespaced, kind, verbs, shortNames,
 * categories) as served by kube-apiserver 1.36.
 */

export interface ResourceInfo {
  /** '' for the core (legacy) group served under /api. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  /** Plural, lower-case: the URL segment. */
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  /** Subresource name → the kind it serves (`status` serves the resource's own kind). */
  readonly subresources: Readonly<Record<string, SubresourceInfo>>;
  readonly categories: readonly string[];
}

export interface SubresourceInfo {
  readonly kind: string;
  readonly group: string;
  readonly version: string;
  readonly verbs: readonly string[];
  /**
   * A connecter (exec, attach, portforward, log, proxy): listed in discovery as kube-apiserver
   * lists it, but served by the streaming handlers (server.ts), never as a stored object.
   */
  readonly connect?: boolean;
}

/** Verbs of a full read-write resource, in kube-apiserver's discovery order. */
export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
const NS_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] as const;
const STATUS_VERBS = ['get', 'patch', 'update'] as const;

function status(kind: string, group: string, version: string): SubresourceInfo {
  return { kind, group, version, verbs: STATUS_VERBS };
}

/** The connecter subresources (exec, attach, portforward, proxy): kube-apiserver lists their options kinds. */
const CONNECT_VERBS = ['create', 'get'] as const;
const PROXY_VERBS = ['create', 'delete', 'get', 'patch', 'update'] as const;

function connecter(kind: string, verbs: readonly string[]): SubresourceInfo {
  return { kind, group: '', version: 'v1', verbs, connect: true };
}

interface Row {
  group: string;
  version: string;
  kind: string;
  plural: string;
  shortNames?: string[];
  namespaced: boolean;
  verbs?: readonly string[];
  status?: boolean;
  extraSub?: Record<string, SubresourceInfo>;
  categories?: string[];
}

function build(r: Row): ResourceInfo {
  const subresources: Record<string, SubresourceInfo> = {};
  if (r.status) subresources.status = status(r.kind, r.group, r.version);
  Object.assign(subresources, r.extraSub ?? {});
  return {
    group: r.group,
    version: r.version,
    kind: r.kind,
    listKind: `${r.kind}List`,
    plural: r.plural,
    singular: r.kind.toLowerCase(),
    shortNames: r.shortNames ?? [],
    namespaced: r.namespaced,
    verbs: r.verbs ?? ALL_VERBS,
    subresources,
    categories: r.categories ?? [],
  };
}

export const RESOURCES: readonly ResourceInfo[] = [
  build({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', shortNames: ['ns'], namespaced: false, verbs: NS_VERBS, status: true }),
  build({
    group: '', version: 'v1', kind: 'Pod', plural: 'pods', shortNames: ['po'], namespaced: true, status: true, categories: ['all'],
    extraSub: {
      attach: connecter('PodAttachOptions', CONNECT_VERBS),
      binding: { kind: 'Binding', group: '', version: 'v1', verbs: ['create'] },
      exec: connecter('PodExecOptions', CONNECT_VERBS),
      log: connecter('Pod', ['get']),
      portforward: connecter('PodPortForwardOptions', CONNECT_VERBS),
      proxy: connecter('PodProxyOptions', PROXY_VERBS),
    },
  }),
  // POST-only: what the scheduler uses to bind a pod (same as pods/<name>/binding).
  build({ group: '', version: 'v1', kind: 'Binding', plural: 'bindings', namespaced: true, verbs: ['create'] }),
  build({
    group: '', version: 'v1', kind: 'Service', plural: 'services', shortNames: ['svc'], namespaced: true, status: true, categories: ['all'],
    extraSub: { proxy: connecter('ServiceProxyOptions', PROXY_VERBS) },
  }),
  build({ group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', shortNames: ['pvc'], namespaced: true, status: true }),
  build({ group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', shortNames: ['pv'], namespaced: false, status: true }),
  build({ group: '', version: 'v1', kind: 'Node', plural: 'nodes', shortNames: ['no'], namespaced: false, status: true }),
  build({ group: '', version: 'v1', kind: 'Event', plural: 'events', shortNames: ['ev'], namespaced: true }),
  build({
    group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', shortNames: ['sts'], namespaced: true, status: true, categories: ['all'],
    extraSub: { scale: { kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: STATUS_VERBS } },
  }),
  build({ group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true }),
  build({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true }),
  build({ group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', shortNames: ['ev'], namespaced: true }),
  build({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true }),
];

/** The groups in the order /apis lists them (core is served separately under /api). */
export const API_GROUPS: readonly string[] = ['apps', 'events.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io'];

/** `apps/v1`, or `v1` for the core group: the apiVersion written in objects. */
export function apiVersionOf(r: { group: string; version: string }): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** Find a resource by group, version and plural (the URL path form). */
export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** Resources served by one group/version, in registry order. */
export function resourcesOf(group: string, version: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version);
}

/** The storage key prefix of a resource: events.k8s.io events are stored apart from core events. */
export function resourceId(r: { group: string; plural: string }): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}
