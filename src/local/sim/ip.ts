/**
 * @module IPv4 arithmetic for the simulated nodes: carving per-node pod CIDRs out of the
 * cluster CIDR (as kube-controller-manager's range allocator does, one /24 per node by default)
 * and handing out pod IPs that no other live pod holds.
 */

export interface Cidr {
  readonly base: number; // network address as an unsigned 32-bit integer
  readonly prefix: number;
}

export function parseIPv4(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`invalid IPv4 address "${ip}"`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`invalid IPv4 address "${ip}"`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): Cidr {
  const [ip, len, extra] = cidr.split('/');
  const prefix = Number(len);
  if (ip === undefined || extra !== undefined || !/^\d{1,2}$/.test(len ?? '') || prefix > 32) {
    throw new Error(`invalid CIDR "${cidr}" (want a.b.c.d/n)`);
  }
  const size = 2 ** (32 - prefix);
  const base = parseIPv4(ip) - (parseIPv4(ip) % size); // mask off host bits
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

export function cidrContains(c: Cidr, ip: string): boolean {
  let n: number;
  try {
    n = parseIPv4(ip);
  } catch {
    return false;
  }
  return n >= c.base && n < c.base + 2 ** (32 - c.prefix);
}

/**
 * The pod CIDR of the node with the given index: the index-th subnet of `nodePrefix` bits
 * inside the cluster CIDR (10.244.0.0/16 → 10.244.0.0/24, 10.244.1.0/24, ...).
 */
export function nodePodCidr(clusterCidr: string, index: number, nodePrefix = 24): string {
  const cluster = parseCidr(clusterCidr);
  const prefix = Math.max(nodePrefix, cluster.prefix);
  const count = 2 ** (prefix - cluster.prefix);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(`node index ${index} does not fit in ${clusterCidr} with /${prefix} per node`);
  }
  return formatCidr({ base: cluster.base + index * 2 ** (32 - prefix), prefix });
}

/**
 * Pick a pod IP in `cidr` not in `used`. The network address, the first host (the node's
 * gateway/bridge, as with kubenet's cbr0) and the broadcast address are never handed out.
 * `preferred` wins when it is inside the range and free: that keeps a pod's IP stable across
 * restarts of the simulator.
 */
export function allocateIp(cidr: string, used: ReadonlySet<string>, preferred?: string): string | undefined {
  const c = parseCidr(cidr);
  const size = 2 ** (32 - c.prefix);
  const first = size >= 4 ? c.base + 2 : c.base;
  const last = size >= 4 ? c.base + size - 2 : c.base + size - 1;
  if (preferred !== undefined && !used.has(preferred) && cidrContains(c, preferred)) {
    const n = parseIPv4(preferred);
    if (n >= first && n <= last) return preferred;
  }
  for (let n = first; n <= last; n++) {
    const ip = formatIPv4(n);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}
