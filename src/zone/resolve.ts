/**
 * @module Pure endpoint resolution: a Service plus its Pods (or its EndpointSlices) becomes the
 * list of ready endpoints DNS publishes, each with its DNS label, addresses and ports. This is
 * where the EndpointSlice controller's rules are reproduced for the `pods` source
 * (dns.md A.7: podToEndpoint, ShouldSetHostname, FindPort).
 */
import type { SlimEndpointPort, SlimEndpointSlice, SlimPod, SlimService, SlimServicePort } from './records.ts';
import { canonicalIP, dashedIP } from './wire.ts';

export interface ResolvedEndpoint {
  /** The DNS label under the service: hostname, else the dashed IP. */
  readonly label: string;
  readonly ips: readonly string[];
  readonly ports: readonly SlimEndpointPort[];
}

export interface ResolvedService {
  readonly ns: string;
  readonly name: string;
  readonly type: SlimService['type'];
  readonly clusterIPs: readonly string[];
  readonly externalName: string;
  readonly ports: readonly SlimServicePort[];
  /** Ready endpoints only, merged by label, sorted by label for stable answers. */
  readonly endpoints: readonly ResolvedEndpoint[];
}

/** Does a (non-empty) selector select these labels? Empty or null selects nothing (selector-less). */
export function selects(selector: Readonly<Record<string, string>> | null, labels: Readonly<Record<string, string>>): boolean {
  if (selector === null) return false;
  let any = false;
  for (const k in selector) {
    any = true;
    if (labels[k] !== selector[k]) return false;
  }
  return any;
}

/** ShouldSetHostname (k8s endpointslice util): the pod's hostname only in its subdomain's Service. */
export function shouldSetHostname(pod: SlimPod, svc: SlimService): boolean {
  return pod.hostname !== '' && pod.subdomain === svc.name && pod.ns === svc.ns;
}

/** FindPort: a numeric targetPort as is; a name resolves to a container port of that name and protocol. */
export function findPort(pod: SlimPod, sp: SlimServicePort): number | undefined {
  if (typeof sp.targetPort === 'number') return sp.targetPort;
  return pod.containerPorts.find((c) => c.name === sp.targetPort && c.protocol === sp.protocol)?.containerPort;
}

/** podToEndpoint readiness: publishNotReadyAddresses, or Ready and not terminating. */
export function podEndpointReady(pod: SlimPod, svc: SlimService): boolean {
  return svc.publishNotReadyAddresses || (pod.ready && !pod.terminating);
}

interface Acc { ips: Set<string>; ports: Map<string, SlimEndpointPort> }

function add(acc: Map<string, Acc>, label: string, ips: readonly string[], ports: readonly SlimEndpointPort[]): void {
  let a = acc.get(label);
  if (!a) acc.set(label, (a = { ips: new Set(), ports: new Map() }));
  for (const ip of ips) a.ips.add(ip);
  for (const p of ports) a.ports.set(`${p.name}/${p.protocol}/${p.port}`, p);
}

/** One endpoint per hostname (all its IPs), or one per IP named by its dashed form. */
function addEndpoint(acc: Map<string, Acc>, hostname: string, rawIPs: readonly string[], ports: readonly SlimEndpointPort[]): void {
  const ips = rawIPs.map(canonicalIP).filter((x): x is string => x !== undefined);
  if (hostname !== '') {
    if (ips.length > 0) add(acc, hostname, ips, ports);
    return;
  }
  for (const ip of ips) add(acc, dashedIP(ip), [ip], ports);
}

const byLabel = (a: { label: string }, b: { label: string }): number => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);

/** The merged endpoints, sorted by label for stable answers. */
function endpointsOf(acc: Map<string, Acc>): ResolvedEndpoint[] {
  return Array.from(acc, ([label, a]) => ({ label, ips: [...a.ips].sort(), ports: [...a.ports.values()] })).sort(byLabel);
}

function finish(svc: SlimService, endpoints: readonly ResolvedEndpoint[]): ResolvedService {
  return {
    ns: svc.ns, name: svc.name, type: svc.type,
    clusterIPs: svc.clusterIPs.map(canonicalIP).filter((x): x is string => x !== undefined),
    externalName: svc.externalName,
    ports: svc.ports,
    endpoints: svc.type === 'ExternalName' ? [] : endpoints,
  };
}

/**
 * The endpoints each pod makes for each service on its own, kept while both objects live:
 * records are replaced on every change, never mutated, so a service rebuilt for one pod's change
 * reuses the other pods' endpoint objects instead of resolving them again (a readiness flip in a
 * 100-pod set resolved all 100 and allocated ~80 KB; on a DNS worker thread that garbage is GC
 * pause time queries wait behind). The reused objects also let build.ts skip re-deriving keys
 * for endpoints it has seen.
 */
const own = new WeakMap<SlimService, WeakMap<SlimPod, readonly ResolvedEndpoint[]>>();

function ownEndpoints(svc: SlimService, pod: SlimPod): readonly ResolvedEndpoint[] {
  let bySvc = own.get(svc);
  if (!bySvc) own.set(svc, (bySvc = new WeakMap()));
  let eps = bySvc.get(pod);
  if (!eps) bySvc.set(pod, (eps = podEndpoints(svc, pod)));
  return eps;
}

/** podToEndpoint for one pod and one service: none, one per hostname, or one per IP. */
function podEndpoints(svc: SlimService, pod: SlimPod): ResolvedEndpoint[] {
  if (pod.ns !== svc.ns || !selects(svc.selector, pod.labels)) return [];
  // Terminal pods and pods without an IP never appear in EndpointSlices.
  if (pod.terminal || pod.ips.length === 0 || !podEndpointReady(pod, svc)) return [];
  const ports: SlimEndpointPort[] = [];
  for (const sp of svc.ports) {
    const port = findPort(pod, sp);
    if (port !== undefined) ports.push({ name: sp.name, protocol: sp.protocol, port });
  }
  const acc = new Map<string, Acc>();
  addEndpoint(acc, shouldSetHostname(pod, svc) ? pod.hostname : '', pod.ips, ports);
  return endpointsOf(acc);
}

/**
 * Endpoints from the pods the service selects (the `pods` source): each pod's memoised
 * endpoints, with the labels that two pods share (hostname-less pods on one IP, or one
 * hostname twice) merged as the slices source merges them.
 */
export function resolveFromPods(svc: SlimService, pods: Iterable<SlimPod>): ResolvedService {
  const all: ResolvedEndpoint[] = [];
  for (const pod of pods) for (const ep of ownEndpoints(svc, pod)) all.push(ep);
  // Stable sort: a shared label is a run of equal labels, in the pods' order.
  all.sort(byLabel);
  let shared = false;
  for (let i = 1; i < all.length && !shared; i++) shared = all[i]!.label === all[i - 1]!.label;
  if (!shared) return finish(svc, all);
  const acc = new Map<string, Acc>();
  for (const ep of all) add(acc, ep.label, ep.ips, ep.ports);
  return finish(svc, endpointsOf(acc));
}

/**
 * Do two resolutions give the same records? The model's test for reusing a service's records
 * (model.ts). Every field is compared, in order; lists equal by identity (the memoised endpoint
 * objects above, a service's own ports) are not walked. It replaced a JSON.stringify of the
 * whole resolution, which for a 100-pod set was a fifth of each rebuild's time, and its string
 * was kept on the view (issue #14: DNS threads rebuild the set on every pod event).
 */
export function sameResolved(a: ResolvedService, b: ResolvedService): boolean {
  if (a === b) return true;
  return a.ns === b.ns && a.name === b.name && a.type === b.type && a.externalName === b.externalName
    && sameList(a.clusterIPs, b.clusterIPs, sameString) && sameList(a.ports, b.ports, sameServicePort)
    && sameList(a.endpoints, b.endpoints, sameEndpoint);
}

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !same(a[i]!, b[i]!)) return false;
  return true;
}

const sameString = (x: string, y: string): boolean => x === y;
const sameServicePort = (x: SlimServicePort, y: SlimServicePort): boolean =>
  x.name === y.name && x.protocol === y.protocol && x.port === y.port && x.targetPort === y.targetPort;
const sameEndpointPort = (x: SlimEndpointPort, y: SlimEndpointPort): boolean => x.name === y.name && x.protocol === y.protocol && x.port === y.port;
const sameEndpoint = (x: ResolvedEndpoint, y: ResolvedEndpoint): boolean =>
  x.label === y.label && sameList(x.ips, y.ips, sameString) && sameList(x.ports, y.ports, sameEndpointPort);

/** Endpoints from the union of the service's EndpointSlices (the `endpointslices` source). */
export function resolveFromSlices(svc: SlimService, slices: Iterable<SlimEndpointSlice>): ResolvedService {
  const acc = new Map<string, Acc>();
  for (const s of slices) {
    if (s.ns !== svc.ns || s.service !== svc.name) continue;
    for (const e of s.endpoints) if (e.ready) addEndpoint(acc, e.hostname, e.ips, s.ports);
  }
  return finish(svc, endpointsOf(acc));
}
