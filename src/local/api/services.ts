/**
 * @module Service address allocation: ClusterIPs from the service CIDR 10.96.0.0/12 (kubeadm's
 * default; 10.96.0.1 belongs to the `kubernetes` Service) and NodePorts from 30000-32767, as
 * pkg/registry/core/service/ipallocator and portallocator do. Pure over the sets in use.
 */
import type { StatusCause } from './errors.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CIDR_BASE = (10 << 24) | (96 << 16); // 10.96.0.0
const CIDR_SIZE = 1 << 20; // a /12
export const SERVICE_CIDR = '10.96.0.0/12';

function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function inRange(ip: string): boolean {
  const n = ipToInt(ip);
  if (n === undefined) return false;
  const off = n - CIDR_BASE;
  return off > 0 && off < CIDR_SIZE - 1;
}

function fail(field: string, value: string, detail: string): StatusCause[] {
  return [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` }];
}

/** Fill clusterIP/clusterIPs/ipFamilies/ipFamilyPolicy; headless and ExternalName get no address. */
export function allocateClusterIP(spec: Any, used: Set<string>): StatusCause[] {
  if (spec.type === 'ExternalName') return [];
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
  const wanted: string | undefined = spec.clusterIP || spec.clusterIPs?.[0] || undefined;
  if (wanted === 'None') {
    spec.clusterIP = 'None';
    spec.clusterIPs = ['None'];
    return [];
  }
  if (wanted !== undefined) {
    if (!inRange(wanted)) return fail('spec.clusterIPs', wanted, `failed to allocate IP ${wanted}: the provided IP (${wanted}) is not in the valid range. The range of valid IPs is ${SERVICE_CIDR}`);
    if (used.has(wanted)) return fail('spec.clusterIPs', wanted, `failed to allocate IP ${wanted}: provided IP is already allocated`);
    spec.clusterIP = wanted;
    spec.clusterIPs = [wanted];
    return [];
  }
  // Random probing like the bitmap allocator's random scan; the range is far larger than any local cluster.
  for (let i = 0; i < 1000; i++) {
    const ip = intToIp(CIDR_BASE + 2 + Math.floor(Math.random() * (CIDR_SIZE - 3)));
    if (!used.has(ip)) {
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return [];
    }
  }
  return fail('spec.clusterIPs', '', 'range is full');
}

export function allocateNodePorts(spec: Any, used: Set<number>): StatusCause[] {
  if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') return [];
  const out: StatusCause[] = [];
  (spec.ports ?? []).forEach((p: Any, i: number) => {
    if (p.nodePort) {
      if (p.nodePort < 30000 || p.nodePort > 32767) out.push(...fail(`spec.ports[${i}].nodePort`, String(p.nodePort), 'provided port is not in the valid range. The range of valid ports is 30000-32767'));
      else if (used.has(p.nodePort)) out.push(...fail(`spec.ports[${i}].nodePort`, String(p.nodePort), 'provided port is already allocated'));
      used.add(p.nodePort);
      return;
    }
    for (let port = 30000 + Math.floor(Math.random() * 2768), n = 0; n < 2768; n++, port = port === 32767 ? 30000 : port + 1) {
      if (!used.has(port)) { p.nodePort = port; used.add(port); return; }
    }
  });
  return out;
}

/** An update that omits allocated values keeps them (the service REST's patchAllocatedValues). */
export function keepAllocated(next: Any, prev: Any): void {
  if (!next || !prev) return;
  if (!next.clusterIP && prev.clusterIP) next.clusterIP = prev.clusterIP;
  if (!next.clusterIPs?.length && prev.clusterIPs) next.clusterIPs = prev.clusterIPs;
  next.ipFamilies ??= prev.ipFamilies;
  next.ipFamilyPolicy ??= prev.ipFamilyPolicy;
  const oldPorts: Any[] = prev.ports ?? [];
  for (const p of next.ports ?? []) {
    const match = oldPorts.find((o) => o.port === p.port && o.protocol === p.protocol);
    if (!p.nodePort && match?.nodePort && next.type !== 'ClusterIP') p.nodePort = match.nodePort;
  }
}

export function ipInUse(services: readonly Any[]): Set<string> {
  const s = new Set<string>();
  for (const svc of services) for (const ip of svc.spec?.clusterIPs ?? []) if (ip !== 'None') s.add(ip);
  return s;
}

export function nodePortsInUse(services: readonly Any[]): Set<number> {
  const s = new Set<number>();
  for (const svc of services) for (const p of svc.spec?.ports ?? []) if (p.nodePort) s.add(p.nodePort);
  return s;
}
