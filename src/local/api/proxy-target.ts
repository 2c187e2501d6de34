/**
 * @module Where `pods/proxy` and `services/proxy` send a request, decided purely from the API
 * objects, with kube-apiserver's errors (pkg/registry/core/pod/strategy.go ResourceLocation,
 * pkg/registry/core/service/storage ResourceLocation, apimachinery net.SplitSchemeNamePort).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ApiError, badRequest, notFound } from './errors.ts';
import type { KObject } from './store.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ProxyId {
  scheme: 'http' | 'https';
  name: string;
  /** The port as given (a number or a port name), '' when absent. */
  port: string;
}

export interface ProxyTarget {
  scheme: 'http' | 'https';
  ip: string;
  /** Undefined when neither the URL nor the pod names a port (the scheme's default then). */
  port: number | undefined;
}

/** `name`, `name:port` or `scheme:name:port` (SplitSchemeNamePort); undefined when invalid. */
export function parseProxyId(id: string): ProxyId | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) [name, port] = [parts[0]!, parts[1]!];
  else if (parts.length === 3) [scheme, name, port] = [parts[0]!, parts[1]!, parts[2]!];
  else return undefined;
  if (name === '' || (scheme !== '' && scheme !== 'http' && scheme !== 'https')) return undefined;
  return { scheme: scheme === 'https' ? 'https' : 'http', name, port };
}

/** IsProxyableIP: only global unicast addresses (no loopback, link-local, multicast, unspecified). */
export function proxyableIP(ip: string | undefined): boolean {
  if (!ip) return false;
  if (isIPv4(ip)) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    return !(a === 0 || a === 127 || a >= 224 || (a === 169 && b === 254) || ip === '255.255.255.255');
  }
  if (isIPv6(ip)) {
    const l = ip.toLowerCase();
    return !(l === '::' || l === '::1' || l.startsWith('fe80') || l.startsWith('ff'));
  }
  return false;
}

function numericPort(p: string | number | undefined): number | undefined {
  const n = typeof p === 'number' ? p : /^\d+$/.test(p ?? '') ? Number(p) : NaN;
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/** The pod's first IP and the given port, else the first declared containerPort. */
export function podTarget(pod: KObject, id: ProxyId): ProxyTarget {
  const p = pod as Any;
  const ip: string | undefined = p.status?.podIPs?.[0]?.ip ?? p.status?.podIP;
  if (!proxyableIP(ip)) throw badRequest('address not allowed');
  let port = id.port;
  if (port === '') {
    const declared = ((p.spec?.containers ?? []) as Any[]).flatMap((c) => (c.ports ?? []) as Any[])[0];
    if (declared) port = String(declared.containerPort);
  }
  const n = numericPort(port);
  if (port !== '' && n === undefined) throw new ApiError(503, 'ServiceUnavailable', `error trying to reach service: dial tcp: lookup port ${port}: unknown port`);
  return { scheme: id.scheme, ip: ip!, port: n };
}

/** The port name the service proxy looks for: a number is mapped through the service's ports. */
export function servicePortName(svc: KObject, id: ProxyId): string {
  const n = numericPort(id.port);
  if (n === undefined) return id.port;
  const sp = (((svc as Any).spec?.ports ?? []) as Any[]).find((p) => p.port === n);
  if (!sp) throw new ApiError(503, 'ServiceUnavailable', `no service port ${n} found for service "${svc.metadata.name}"`);
  return sp.name ?? '';
}

interface Candidate {
  ip: string;
  port: number;
  podName: string | undefined;
}

/** Ready addresses of slices serving the named port (an Endpoints subset, seen through EndpointSlices). */
function candidates(slices: readonly KObject[], portName: string): Candidate[] {
  const out: Candidate[] = [];
  for (const s of slices as readonly Any[]) {
    const port = ((s.ports ?? []) as Any[]).find((p) => (p.name ?? '') === portName);
    if (!port || typeof port.port !== 'number') continue;
    for (const e of (s.endpoints ?? []) as Any[]) {
      if (e.conditions?.ready === false) continue;
      for (const ip of (e.addresses ?? []) as string[]) out.push({ ip, port: port.port, podName: e.targetRef?.kind === 'Pod' ? e.targetRef.name : undefined });
    }
  }
  return out;
}

/**
 * A random ready endpoint for the service port (upstream picks a random subset, then a random
 * address whose pod still exists with that IP). `pods` looks a pod up by name in the namespace.
 */
export function serviceTarget(svc: KObject, slices: readonly KObject[], id: ProxyId, rawId: string, pods: (name: string) => KObject | undefined, random: () => number = Math.random): ProxyTarget {
  const name = svc.metadata.name ?? '';
  const portName = servicePortName(svc, id);
  if (slices.length === 0) throw notFound('', 'endpoints', name);
  const any = (slices as readonly Any[]).some((s) => ((s.endpoints ?? []) as Any[]).length > 0);
  if (!any) throw new ApiError(503, 'ServiceUnavailable', `no endpoints available for service "${name}"`);
  const valid = candidates(slices, portName).filter((c) => {
    if (!c.podName) return true;
    const pod = pods(c.podName) as Any | undefined;
    return pod !== undefined && ((pod.status?.podIPs ?? []) as Any[]).some((x) => x.ip === c.ip);
  });
  if (valid.length === 0) throw new ApiError(503, 'ServiceUnavailable', `no endpoints available for service "${rawId}"`);
  const pick = valid[Math.floor(random() * valid.length)]!;
  return { scheme: id.scheme, ip: pick.ip, port: pick.port };
}
