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

function finish(svc: SlimService, acc: Map<string, Acc>): ResolvedService {
  const endpoints = [...acc.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, a]) => ({ label, ips: [...a.ips].sort(), ports: [...a.ports.values()] }));
  return {
    ns: svc.ns, name: svc.name, type: svc.type,
    clusterIPs: svc.clusterIPs.map(canonicalIP).filter((x): x is string => x !== undefined),
    externalName: svc.externalName,
    ports: svc.ports,
    endpoints: svc.type === 'ExternalName' ? [] : endpoints,
  };
}

/** Endpoints from the pods the service selects (the `pods` source). */
export function resolveFromPods(svc: SlimService, pods: Iterable<SlimPod>): ResolvedService {
  const acc = new Map<string, Acc>();
  for (const pod of pods) {
    if (pod.ns !== svc.ns || !selects(svc.selector, pod.labels)) continue;
    // Terminal pods and pods without an IP never appear in EndpointSlices.
    if (pod.terminal || pod.ips.length === 0 || !podEndpointReady(pod, svc)) continue;
    const ports: SlimEndpointPort[] = [];
    for (const sp of svc.ports) {
      const port = findPort(pod, sp);
      if (port !== undefined) ports.push({ name: sp.name, protocol: sp.protocol, port });
    }
    addEndpoint(acc, shouldSetHostname(pod, svc) ? pod.hostname : '', pod.ips, ports);
  }
  return finish(svc, acc);
}

/** Endpoints from the union of the service's EndpointSlices (the `endpointslices` source). */
export function resolveFromSlices(svc: SlimService, slices: Iterable<SlimEndpointSlice>): ResolvedService {
  const acc = new Map<string, Acc>();
  for (const s of slices) {
    if (s.ns !== svc.ns || s.service !== svc.name) continue;
    for (const e of s.endpoints) if (e.ready) addEndpoint(acc, e.hostname, e.ips, s.ports);
  }
  return finish(svc, acc);
}
