/** Test helper: full Kubernetes API objects as the API server returns them (plain JSON). */

export interface PortSpec { name?: string; port: number; targetPort?: number | string; protocol?: string }

export function namespace(name: string): object {
  return { kind: 'Namespace', metadata: { name } };
}

export function service(ns: string, name: string, o: {
  clusterIP?: string; clusterIPs?: string[]; type?: string; externalName?: string; ports?: PortSpec[];
  selector?: Record<string, string>; publishNotReadyAddresses?: boolean;
} = {}): object {
  return {
    kind: 'Service', apiVersion: 'v1', metadata: { name, namespace: ns, resourceVersion: '1' },
    spec: {
      type: o.type ?? 'ClusterIP',
      ...(o.clusterIP !== undefined ? { clusterIP: o.clusterIP, clusterIPs: o.clusterIPs ?? [o.clusterIP] } : {}),
      ...(o.externalName !== undefined ? { externalName: o.externalName } : {}),
      ports: o.ports ?? [],
      ...(o.selector ? { selector: o.selector } : {}),
      ...(o.publishNotReadyAddresses ? { publishNotReadyAddresses: true } : {}),
    },
  };
}

export function pod(ns: string, name: string, o: {
  labels?: Record<string, string>; ips?: string[]; ready?: boolean; deleting?: boolean; phase?: string;
  hostname?: string; subdomain?: string; ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
} = {}): object {
  const ips = o.ips ?? [];
  return {
    kind: 'Pod', apiVersion: 'v1',
    metadata: { name, namespace: ns, labels: o.labels ?? {}, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {
      ...(o.hostname ? { hostname: o.hostname } : {}), ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      containers: [{ name: 'c', image: 'x', ports: o.ports ?? [] }],
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(ips[0] ? { podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

export interface EndpointSpec { ip: string | string[]; hostname?: string; ready?: boolean | null; pod?: string }

export function slice(ns: string, name: string, svc: string | undefined, endpoints: EndpointSpec[],
  ports: Array<{ name?: string; port: number; protocol?: string }> = [], addressType = 'IPv4'): object {
  return {
    kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', addressType,
    metadata: { name, namespace: ns, labels: svc ? { 'kubernetes.io/service-name': svc } : {} },
    endpoints: endpoints.map((e) => ({
      addresses: Array.isArray(e.ip) ? e.ip : [e.ip],
      ...(e.hostname ? { hostname: e.hostname } : {}),
      ...(e.ready === null ? {} : { conditions: { ready: e.ready ?? true } }),
      ...(e.pod ? { targetRef: { kind: 'Pod', name: e.pod, namespace: ns } } : {}),
    })),
    ports,
  };
}
