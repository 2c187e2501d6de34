/**
 * @module The checker's own idea of the right answer, written from the Kubernetes DNS spec
 * (cluster DNS, "Kubernetes DNS-Based Service Discovery" §2.4) and not from src/zone, so the
 * two cannot share a mistake. It covers the names the soak samples: a StatefulSet pod's A
 * record, a headless Service's A and SRV records, a pod's PTR, and names that do not exist.
 */

export interface PodView {
  ns: string; name: string; uid: string; ip: string; ready: boolean; terminating: boolean; terminal: boolean;
  hostname: string; subdomain: string; labels: Record<string, string>; set: string; ordinal: number;
  claims: string[]; nodeName: string;
  /** Named container ports, for Services whose targetPort is a name. */
  containerPorts: Record<string, number>;
}
export interface ServiceView {
  ns: string; name: string; headless: boolean; selector: Record<string, string> | null;
  ports: { name: string; protocol: string; port: number; targetPort: number | string }[]; publishNotReady: boolean;
}
export interface SetView {
  ns: string; name: string; uid: string; replicas: number; serviceName: string; policy: string; generation: number;
  observedGeneration: number; readyReplicas: number; updatedReplicas: number; currentRevision: string; updateRevision: string;
  claimTemplates: string[];
}
export interface ClusterView {
  pods: ReadonlyMap<string, PodView>;
  services: ReadonlyMap<string, ServiceView>;
  sets: ReadonlyMap<string, SetView>;
}

export const ZONE = 'cluster.local';

/** A question the checker can judge: qname and type. */
export interface Question { name: string; type: 'A' | 'SRV' | 'PTR' }

/** What the answer must be: 'NXDOMAIN', or the sorted set of record data (A: IPs, SRV: "port target", PTR: names). */
export type Expected = string;

export function selects(sel: Record<string, string> | null, labels: Record<string, string>): boolean {
  if (!sel || Object.keys(sel).length === 0) return false;
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

/** A pod is an endpoint of a Service when selected, has an IP, is Ready and is not going away. */
function endpoints(v: ClusterView, svc: ServiceView): PodView[] {
  const out: PodView[] = [];
  for (const p of v.pods.values()) {
    if (p.ns !== svc.ns || !p.ip || p.terminal || !selects(svc.selector, p.labels)) continue;
    if (p.terminating || !(p.ready || svc.publishNotReady)) continue;
    out.push(p);
  }
  return out;
}

const fmt = (xs: string[]): Expected => (xs.length === 0 ? 'NXDOMAIN' : [...new Set(xs)].sort().join(' | '));

export function expectedAnswer(v: ClusterView, q: Question): Expected {
  const labels = q.name.toLowerCase().replace(/\.$/, '').split('.');
  if (q.type === 'PTR') {
    const ip = labels.slice(0, 4).reverse().join('.');
    const names: string[] = [];
    for (const svc of v.services.values()) {
      if (!svc.headless) continue;
      for (const p of endpoints(v, svc)) {
        if (p.ip === ip && p.hostname && p.subdomain === svc.name) names.push(`${p.hostname}.${svc.name}.${svc.ns}.svc.${ZONE}`);
      }
    }
    return fmt(names);
  }
  // <host>.<svc>.<ns>.svc.<zone>, <svc>.<ns>.svc.<zone>, _<port>._<proto>.<svc>.<ns>.svc.<zone>
  const rest = labels.slice(0, labels.length - 2 - 1);
  if (labels[labels.length - 3] !== 'svc') return 'NXDOMAIN';
  const ns = rest[rest.length - 1]!;
  const srvPort = rest.length === 4 && rest[0]!.startsWith('_') ? rest[0]!.slice(1) : undefined;
  const srvProto = srvPort !== undefined ? rest[1]!.slice(1) : undefined;
  const svcName = rest[rest.length - 2]!;
  const host = rest.length === 3 ? rest[0]! : undefined;
  const svc = v.services.get(`${ns}/${svcName}`);
  if (!svc || !svc.headless || (rest.length !== 2 && rest.length !== 3 && srvPort === undefined)) return 'NXDOMAIN';
  const eps = endpoints(v, svc);
  const target = (p: PodView): string => `${p.hostname && p.subdomain === svc.name ? p.hostname : p.ip.replaceAll('.', '-')}.${svc.name}.${ns}.svc.${ZONE}`;
  if (q.type === 'A') {
    if (host !== undefined) return fmt(eps.filter((p) => p.hostname === host && p.subdomain === svc.name).map((p) => p.ip));
    if (srvPort !== undefined) return 'NXDOMAIN';
    return fmt(eps.map((p) => p.ip));
  }
  // SRV
  if (host !== undefined) return 'NXDOMAIN';
  const ports = srvPort === undefined ? svc.ports.filter((p) => p.name !== '')
    : svc.ports.filter((p) => p.name === srvPort && p.protocol.toLowerCase() === srvProto);
  if (ports.length === 0) return 'NXDOMAIN';
  // A headless Service's SRV records carry the endpoint's port, i.e. the targetPort (spec §2.4.2).
  const epPort = (p: PodView, pt: ServiceView['ports'][number]): number | undefined => (typeof pt.targetPort === 'number' ? pt.targetPort : p.containerPorts[pt.targetPort]);
  return fmt(eps.flatMap((p) => ports.flatMap((pt) => { const n = epPort(p, pt); return n === undefined ? [] : [`${n} ${target(p)}`]; })));
}

/** Render a decoded answer in the same form. */
export function renderAnswer(type: Question['type'], rcode: number, data: { type: number; data: string }[]): Expected {
  if (rcode === 3) return 'NXDOMAIN';
  if (rcode !== 0) return `RCODE${rcode}`;
  const want = type === 'A' ? 1 : type === 'SRV' ? 33 : 12;
  const xs = data.filter((d) => d.type === want).map((d) => (type === 'SRV' ? d.data.split(' ').slice(2).join(' ') : d.data));
  return xs.length === 0 ? 'NODATA' : [...new Set(xs)].sort().join(' | ');
}
