/**
 * @module Projection of Kubernetes API objects (plain JSON as the API server returns them) into
 * slim records. Pure and defensive: missing fields get the API defaults, wrong types are
 * ignored, and only an object without a name is rejected (with a clear error).
 */
import type {
  SlimContainerPort, SlimEndpoint, SlimEndpointPort, SlimEndpointSlice, SlimKind, SlimNamespace, SlimPod,
  SlimRecord, SlimService, SlimServicePort, SlimStatefulSet,
} from './records.ts';

type Obj = Record<string, unknown>;

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown, dflt = ''): string {
  return typeof v === 'string' ? v : dflt;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}
function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) if (typeof x === 'string') out[k] = x;
  return out;
}
/** Kubernetes object names are case-insensitive for DNS (spec §2.1); store them lowercase. */
function meta(o: unknown, kind: string): { name: string; ns: string; m: Obj } {
  const m = obj(obj(o)['metadata']);
  const name = str(m['name']).toLowerCase();
  if (name === '') throw new Error(`${kind} without metadata.name`);
  return { name, ns: str(m['namespace'], 'default').toLowerCase(), m };
}

export function projectNamespace(o: unknown): SlimNamespace {
  return { kind: 'Namespace', name: meta(o, 'Namespace').name };
}

export function projectService(o: unknown): SlimService {
  const { name, ns } = meta(o, 'Service');
  const spec = obj(obj(o)['spec']);
  const clusterIP = str(spec['clusterIP']);
  const ips = arr(spec['clusterIPs']).filter((x): x is string => typeof x === 'string');
  const clusterIPs = (ips.length > 0 ? ips : clusterIP !== '' ? [clusterIP] : []).filter((ip) => ip !== 'None');
  const type = str(spec['type']) === 'ExternalName' ? 'ExternalName' : clusterIP === 'None' ? 'Headless' : 'ClusterIP';
  const ports: SlimServicePort[] = [];
  for (const p of arr(spec['ports'])) {
    const po = obj(p);
    const port = num(po['port']);
    if (port === undefined) continue;
    const tp = po['targetPort'];
    // The API server defaults targetPort to port; keep that default for hand-written input.
    const targetPort = typeof tp === 'string' && tp !== '' ? tp : num(tp) ?? port;
    ports.push({ name: str(po['name']).toLowerCase(), protocol: str(po['protocol'], 'TCP').toUpperCase(), port, targetPort });
  }
  const sel = strMap(spec['selector']);
  return {
    kind: 'Service', ns, name, type,
    clusterIPs: type === 'ExternalName' ? [] : clusterIPs,
    externalName: type === 'ExternalName' ? str(spec['externalName']).toLowerCase().replace(/\.$/, '') : '',
    ports,
    selector: Object.keys(sel).length > 0 ? sel : null,
    publishNotReadyAddresses: spec['publishNotReadyAddresses'] === true,
  };
}

export function projectEndpointSlice(o: unknown): SlimEndpointSlice {
  const { name, ns, m } = meta(o, 'EndpointSlice');
  const body = obj(o);
  const endpoints: SlimEndpoint[] = arr(body['endpoints']).map((e) => {
    const eo = obj(e);
    // discovery.k8s.io/v1: a nil ready condition is interpreted as ready.
    const ready = obj(eo['conditions'])['ready'] !== false;
    return {
      ips: arr(eo['addresses']).filter((x): x is string => typeof x === 'string'),
      hostname: str(eo['hostname']).toLowerCase(),
      ready,
      targetRef: str(obj(eo['targetRef'])['name']),
    };
  });
  const ports: SlimEndpointPort[] = [];
  for (const p of arr(body['ports'])) {
    const po = obj(p);
    const port = num(po['port']);
    if (port === undefined) continue;
    ports.push({ name: str(po['name']).toLowerCase(), protocol: str(po['protocol'], 'TCP').toUpperCase(), port });
  }
  return { kind: 'EndpointSlice', ns, name, service: str(strMap(m['labels'])[SERVICE_NAME_LABEL]).toLowerCase(), endpoints, ports };
}

export function projectPod(o: unknown): SlimPod {
  const { name, ns, m } = meta(o, 'Pod');
  const spec = obj(obj(o)['spec']);
  const status = obj(obj(o)['status']);
  const podIPs = arr(status['podIPs']).map((x) => str(obj(x)['ip'])).filter((x) => x !== '');
  const podIP = str(status['podIP']);
  const ips = podIPs.length > 0 ? podIPs : podIP !== '' ? [podIP] : [];
  const ready = arr(status['conditions']).some((c) => obj(c)['type'] === 'Ready' && obj(c)['status'] === 'True');
  const phase = str(status['phase']);
  const containerPorts: SlimContainerPort[] = [];
  for (const c of arr(spec['containers'])) {
    for (const p of arr(obj(c)['ports'])) {
      const po = obj(p);
      const containerPort = num(po['containerPort']);
      if (containerPort === undefined) continue;
      containerPorts.push({ name: str(po['name']), containerPort, protocol: str(po['protocol'], 'TCP').toUpperCase() });
    }
  }
  return {
    kind: 'Pod', ns, name,
    labels: strMap(m['labels']),
    ips,
    ready,
    terminating: typeof m['deletionTimestamp'] === 'string' && m['deletionTimestamp'] !== '',
    terminal: phase === 'Succeeded' || phase === 'Failed',
    hostname: str(spec['hostname']).toLowerCase(),
    subdomain: str(spec['subdomain']).toLowerCase(),
    containerPorts,
  };
}

/** apps/v1 defaults: replicas 1, ordinals.start 0; negative or non-integer values count as the default. */
export function projectStatefulSet(o: unknown): SlimStatefulSet {
  const { name, ns } = meta(o, 'StatefulSet');
  const spec = obj(obj(o)['spec']);
  const replicas = num(spec['replicas']);
  const start = num(obj(spec['ordinals'])['start']);
  return {
    kind: 'StatefulSet', ns, name,
    serviceName: str(spec['serviceName']).toLowerCase(),
    start: start !== undefined && start >= 0 ? start : 0,
    replicas: replicas !== undefined && replicas >= 0 ? replicas : 1,
  };
}

const PROJECTORS: Record<SlimKind, (o: unknown) => SlimRecord> = {
  Namespace: projectNamespace,
  Service: projectService,
  EndpointSlice: projectEndpointSlice,
  Pod: projectPod,
  StatefulSet: projectStatefulSet,
};

export function isSlimKind(k: unknown): k is SlimKind {
  return typeof k === 'string' && Object.hasOwn(PROJECTORS, k);
}

/**
 * Turn a full API object or an already slim record into a slim record. `kind` overrides the
 * object's own `kind` (list items from the API carry none). Throws on unknown kinds.
 */
export function toSlim(o: unknown, kind?: SlimKind): SlimRecord {
  const body = obj(o);
  const k = kind ?? body['kind'];
  if (!isSlimKind(k)) throw new Error(`unsupported kind ${JSON.stringify(k)} (want Namespace, Service, EndpointSlice, Pod or StatefulSet)`);
  if (!('metadata' in body)) {
    if (body['kind'] !== k || typeof body['name'] !== 'string') throw new Error(`not a slim ${k} record`);
    return body as unknown as SlimRecord;
  }
  return PROJECTORS[k](o);
}
