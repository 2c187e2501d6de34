/**
 * @module Pure EndpointSlice desired state, after k8s.io/endpointslice (utils.go podToEndpoint,
 * ShouldPodBeInEndpoints, ShouldSetHostname, reconciler.go): which pods of a Service become
 * endpoints, with which conditions, hostname and ports, grouped by address family and port set.
 */
import type { DiscoveryV1EndpointPort, V1Endpoint, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';

export type AddressType = 'IPv4' | 'IPv6';

/** Endpoints sharing one address family and one resolved port list go into the same slices. */
export interface EndpointGroup {
  readonly addressType: AddressType;
  readonly ports: DiscoveryV1EndpointPort[];
  readonly endpoints: V1Endpoint[];
}

export function familyOf(ip: string): AddressType {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** ShouldPodBeInEndpoints with includeTerminating: needs an IP, skips finished pods. */
export function podHasEndpoint(pod: V1Pod): boolean {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  return podIPs(pod).length > 0;
}

function podIPs(pod: V1Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => !!ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

/** ShouldSetHostname: only when the pod's subdomain names this Service in the same namespace. */
export function endpointHostname(pod: V1Pod, svc: V1Service): string | undefined {
  const h = pod.spec?.hostname;
  if (!h || pod.spec?.subdomain !== svc.metadata?.name) return undefined;
  if (pod.metadata?.namespace !== svc.metadata?.namespace) return undefined;
  return h;
}

/** One endpoint for one pod and one address family (podToEndpoint). */
export function podToEndpoint(pod: V1Pod, svc: V1Service, node: V1Node | undefined, family: AddressType): V1Endpoint | undefined {
  const addresses = podIPs(pod).filter((ip) => familyOf(ip) === family);
  if (addresses.length === 0) return undefined;
  const serving = isPodReady(pod);
  const terminating = pod.metadata?.deletionTimestamp != null;
  const ep: V1Endpoint = {
    addresses,
    conditions: { ready: svc.spec?.publishNotReadyAddresses === true || (serving && !terminating), serving, terminating },
  };
  return placeEndpoint(ep, pod, svc, node);
}

/** hostname, nodeName, zone and targetRef: only the fields that have a value, as upstream. */
function placeEndpoint(ep: V1Endpoint, pod: V1Pod, svc: V1Service, node: V1Node | undefined): V1Endpoint {
  const hostname = endpointHostname(pod, svc);
  if (hostname) ep.hostname = hostname;
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels?.['topology.kubernetes.io/zone'];
  if (zone) ep.zone = zone;
  const m = pod.metadata ?? {};
  ep.targetRef = { kind: 'Pod', namespace: m.namespace ?? '', name: m.name ?? '', uid: m.uid ?? '' };
  return ep;
}

/**
 * The Service's ports resolved against one pod (FindPort): a named targetPort is looked up in
 * the pod's container ports and the port is left out when the pod does not expose that name.
 */
export function resolvePorts(svc: V1Service, pod: V1Pod): DiscoveryV1EndpointPort[] {
  const out: DiscoveryV1EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const target = sp.targetPort ?? sp.port;
    let port: number | undefined;
    if (typeof target === 'number') port = target;
    else if (/^\d+$/.test(target)) port = Number(target);
    else port = findNamedPort(pod, target, sp.protocol ?? 'TCP');
    if (port === undefined) continue;
    const ep: DiscoveryV1EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

function findNamedPort(pod: V1Pod, name: string, protocol: string): number | undefined {
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === name && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/**
 * Whether the controller writes slices for this Service: it needs a non-empty selector, and
 * ExternalName Services get none (reconciler syncService skips them).
 */
export function managesService(svc: V1Service): boolean {
  return Object.keys(svc.spec?.selector ?? {}).length > 0 && svc.spec?.type !== 'ExternalName';
}

/** Pods selected by the Service (same namespace, every selector label equal). */
export function selectedPods(svc: V1Service, pods: readonly V1Pod[]): V1Pod[] {
  const sel = svc.spec?.selector;
  if (!sel || !managesService(svc)) return [];
  return pods.filter((p) => p.metadata?.namespace === svc.metadata?.namespace && selectorMatches(sel, p.metadata?.labels));
}

export function portsKey(addressType: AddressType, ports: readonly DiscoveryV1EndpointPort[]): string {
  const sorted = ports.map((p) => [p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? '']).sort();
  return `${addressType}|${JSON.stringify(sorted)}`;
}

/**
 * Desired endpoints of a Service grouped by (family, ports). A pod whose Node is not known is
 * skipped unless publishNotReadyAddresses is set, as upstream does (it needs the node's zone).
 */
export function desiredGroups(svc: V1Service, pods: readonly V1Pod[], nodes: ReadonlyMap<string, V1Node>): Map<string, EndpointGroup> {
  const groups = new Map<string, EndpointGroup>();
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const families: AddressType[] = (svc.spec?.ipFamilies as AddressType[] | undefined) ?? ['IPv4'];
  for (const pod of selectedPods(svc, pods)) {
    if (!podHasEndpoint(pod)) continue;
    const node = pod.spec?.nodeName ? nodes.get(pod.spec.nodeName) : undefined;
    if (!node && !publish) continue;
    const ports = resolvePorts(svc, pod);
    for (const family of families) {
      const ep = podToEndpoint(pod, svc, node, family);
      if (!ep) continue;
      const key = portsKey(family, ports);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { addressType: family, ports, endpoints: [] }));
      g.endpoints.push(ep);
    }
  }
  return groups;
}
