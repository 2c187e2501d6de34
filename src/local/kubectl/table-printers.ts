/**
 * @module Column definitions and cells per resource, after the upstream kube-apiserver
 * printers (pkg/printers/internalversion/printers.go). Cells include priority-1 (wide) columns.
 */
import { since } from './age.ts';
import { podCells, podConditions } from './table-pod.ts';

type Obj = Record<string, unknown>;

export interface Column { name: string; description: string; type?: string; format?: string; priority?: number }
export interface Printer {
  columns: Column[];
  cells: (o: Obj, now: Date) => unknown[];
  conditions?: (o: Obj) => unknown[] | undefined;
}

const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const meta = (o: Obj): Obj => obj(o.metadata);
const age = (o: Obj, now: Date): string => since(meta(o).creationTimestamp, now);
const orNone = (s: string): string => (s === '' ? '<none>' : s);

const NAME: Column = { name: 'Name', format: 'name', description: 'Name of the object (metadata.name).' };
const AGE: Column = { name: 'Age', description: 'Time since the object was created (metadata.creationTimestamp).' };
const col = (name: string, description: string, priority = 0, type = 'string'): Column => ({ name, description, priority, type });

/** `k=v,k2=v2` sorted by key, as labels.FormatLabels; `<none>` when empty. */
export function formatLabels(m: unknown): string {
  const entries = Object.entries(obj(m)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return orNone(entries.map(([k, v]) => `${k}=${String(v)}`).join(','));
}

/** Upstream listWithMoreString: at most three items, then "+ N more...". */
function listWithMore(items: string[], max = 3): string {
  if (items.length > max) return `${items.slice(0, max).join(',')} + ${items.length - max} more...`;
  return items.length === 0 ? '<unset>' : items.join(',');
}

const ACCESS_MODES: Readonly<Record<string, string>> = {
  ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP',
};
/** Upstream GetAccessModesAsString: each mode once, in a fixed order. */
function accessModes(modes: unknown): string {
  const have = new Set(Array.isArray(modes) ? modes : []);
  return Object.entries(ACCESS_MODES).filter(([m]) => have.has(m)).map(([, s]) => s).join(',');
}

function serviceExternalIP(spec: Obj, status: Obj): string {
  const external = Array.isArray(spec.externalIPs) ? (spec.externalIPs as string[]) : [];
  switch (str(spec.type) || 'ClusterIP') {
    case 'ExternalName': return str(spec.externalName);
    case 'LoadBalancer': {
      const ingress = arr(obj(status.loadBalancer).ingress).map((i) => str(i.ip) || str(i.hostname));
      const all = [...ingress, ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    default: return external.length > 0 ? external.join(',') : '<none>';
  }
}

function servicePorts(spec: Obj): string {
  const ports = arr(spec.ports).map((p) => {
    const proto = str(p.protocol) || 'TCP';
    return num(p.nodePort) !== 0 ? `${num(p.port)}:${num(p.nodePort)}/${proto}` : `${num(p.port)}/${proto}`;
  });
  return orNone(ports.join(','));
}

function nodeStatus(node: Obj): string {
  const ready = arr(obj(node.status).conditions).find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (obj(node.spec).unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** Roles from `node-role.kubernetes.io/<role>` labels and the legacy `kubernetes.io/role`. */
function nodeRoles(node: Obj): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(obj(meta(node).labels))) {
    if (k.startsWith('node-role.kubernetes.io/')) { const r = k.slice('node-role.kubernetes.io/'.length); if (r) roles.add(r); }
    else if (k === 'kubernetes.io/role' && typeof v === 'string' && v) roles.add(v);
  }
  return orNone([...roles].sort().join(','));
}

function nodeAddress(node: Obj, type: string): string {
  return orNone(str(arr(obj(node.status).addresses).find((a) => a.type === type)?.address));
}

function controllerOf(o: Obj): string {
  const ref = arr(meta(o).ownerReferences).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const apiVersion = str(ref.apiVersion);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return `${str(ref.kind).toLowerCase()}${group ? `.${group}` : ''}/${str(ref.name)}`;
}

/** Upstream formatEventSource: `component, host`, from the legacy source or the reporting fields. */
function eventSource(e: Obj): string {
  const src = obj(e.source ?? e.deprecatedSource);
  if (str(src.component)) return str(src.host) ? `${str(src.component)}, ${str(src.host)}` : str(src.component);
  const component = str(e.reportingComponent) || str(e.reportingController);
  return str(e.reportingInstance) ? `${component}, ${str(e.reportingInstance)}` : component;
}

function eventCells(e: Obj, now: Date): unknown[] {
  // core/v1 and events.k8s.io/v1 name the same facts differently.
  const firstSeen = since(str(e.firstTimestamp) || str(e.deprecatedFirstTimestamp) || str(e.eventTime), now);
  const last = str(e.lastTimestamp) || str(e.deprecatedLastTimestamp);
  let lastSeen = last ? since(last, now) : firstSeen;
  let count = num(e.count) || num(e.deprecatedCount) || 1;
  if (e.series !== undefined) {
    lastSeen = since(obj(e.series).lastObservedTime, now);
    count = num(obj(e.series).count);
  }
  const involved = obj(e.involvedObject ?? e.regarding);
  const kind = str(involved.kind).toLowerCase();
  const target = str(involved.name) ? `${kind}/${str(involved.name)}` : kind;
  const message = (str(e.message) || str(e.note)).trim();
  return [lastSeen, str(e.type), str(e.reason), target, str(involved.fieldPath), eventSource(e), message, firstSeen, count, str(meta(e).name)];
}

function pvcCells(o: Obj, now: Date): unknown[] {
  const spec = obj(o.spec);
  const status = obj(o.status);
  const bound = str(spec.volumeName) !== '';
  const phase = meta(o).deletionTimestamp ? 'Terminating' : str(status.phase);
  const storageClass = str(spec.storageClassName) || str(obj(meta(o).annotations)['volume.beta.kubernetes.io/storage-class']);
  return [
    str(meta(o).name), phase, str(spec.volumeName), bound ? str(obj(status.capacity).storage) : '',
    bound ? accessModes(status.accessModes) : '', storageClass, str(spec.volumeAttributesClassName) || '<unset>',
    age(o, now), str(spec.volumeMode) || '<unset>',
  ];
}

function pvCells(o: Obj, now: Date): unknown[] {
  const spec = obj(o.spec);
  const status = obj(o.status);
  const ref = spec.claimRef === undefined ? undefined : obj(spec.claimRef);
  const claim = ref ? `${str(ref.namespace)}/${str(ref.name)}` : '';
  const phase = meta(o).deletionTimestamp ? 'Terminating' : str(status.phase);
  return [
    str(meta(o).name), str(obj(spec.capacity).storage), accessModes(spec.accessModes), str(spec.persistentVolumeReclaimPolicy),
    phase, claim, str(spec.storageClassName), str(spec.volumeAttributesClassName) || '<unset>', str(status.reason),
    age(o, now), str(spec.volumeMode) || '<unset>',
  ];
}

export const defaultPrinter: Printer = { columns: [NAME, AGE], cells: (o, now) => [str(meta(o).name), age(o, now)] };

export const PRINTERS: Readonly<Record<string, Printer>> = {
  pods: {
    columns: [NAME, col('Ready', 'The number of ready containers over all containers.'), col('Status', 'The aggregate status of the containers.'),
      col('Restarts', 'Restarts of all containers.'), AGE, col('IP', 'The pod IP.', 1), col('Node', 'The node the pod runs on.', 1),
      col('Nominated Node', 'The node nominated by preemption.', 1), col('Readiness Gates', 'Readiness gates that are True.', 1)],
    cells: podCells,
    conditions: podConditions,
  },
  services: {
    columns: [NAME, col('Type', 'How the Service is exposed.'), col('Cluster-IP', 'The virtual IP, or None for headless.'),
      col('External-IP', 'External addresses.'), col('Port(s)', 'Service ports.'), AGE, col('Selector', 'Pod label selector.', 1)],
    cells: (o, now) => {
      const spec = obj(o.spec);
      const ips = Array.isArray(spec.clusterIPs) ? (spec.clusterIPs as string[]) : [];
      const clusterIP = ips[0] ?? (str(spec.clusterIP) || '<none>');
      return [str(meta(o).name), str(spec.type) || 'ClusterIP', clusterIP, serviceExternalIP(spec, obj(o.status)), servicePorts(spec), age(o, now), formatLabels(spec.selector)];
    },
  },
  endpointslices: {
    columns: [NAME, col('AddressType', 'The type of the addresses.'), col('Ports', 'Ports of the slice.'), col('Endpoints', 'Endpoint addresses.'), AGE],
    cells: (o, now) => {
      const ports = arr(o.ports).map((p) => (typeof p.port === 'number' ? String(p.port) : str(p.name) || '*'));
      const addrs = arr(o.endpoints).flatMap((e) => (Array.isArray(e.addresses) ? (e.addresses as string[]) : []));
      return [str(meta(o).name), str(o.addressType), listWithMore(ports), listWithMore(addrs), age(o, now)];
    },
  },
  statefulsets: {
    columns: [NAME, col('Ready', 'Ready replicas over desired replicas.'), AGE, col('Containers', 'Container names of the pod template.', 1), col('Images', 'Container images of the pod template.', 1)],
    cells: (o, now) => {
      const containers = arr(obj(obj(obj(o.spec).template).spec).containers);
      const desired = typeof obj(o.spec).replicas === 'number' ? num(obj(o.spec).replicas) : 1;
      return [str(meta(o).name), `${num(obj(o.status).readyReplicas)}/${desired}`, age(o, now),
        containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(',')];
    },
  },
  controllerrevisions: {
    columns: [NAME, col('Controller', 'The owning controller.'), col('Revision', 'The revision number.'), AGE],
    cells: (o, now) => [str(meta(o).name), controllerOf(o), num(o.revision), age(o, now)],
  },
  persistentvolumeclaims: {
    columns: [NAME, col('Status', 'The claim phase.'), col('Volume', 'The bound volume.'), col('Capacity', 'The bound capacity.'),
      col('Access Modes', 'Access modes of the bound volume.'), col('StorageClass', 'The storage class.'),
      col('VolumeAttributesClass', 'The volume attributes class.'), AGE, col('VolumeMode', 'Filesystem or Block.', 1)],
    cells: pvcCells,
  },
  persistentvolumes: {
    columns: [NAME, col('Capacity', 'The volume size.'), col('Access Modes', 'Access modes.'), col('Reclaim Policy', 'What happens on release.'),
      col('Status', 'The volume phase.'), col('Claim', 'The bound claim.'), col('StorageClass', 'The storage class.'),
      col('VolumeAttributesClass', 'The volume attributes class.'), col('Reason', 'Why the volume is in this phase.'), AGE,
      col('VolumeMode', 'Filesystem or Block.', 1)],
    cells: pvCells,
  },
  nodes: {
    columns: [NAME, col('Status', 'Readiness of the node.'), col('Roles', 'Node roles.'), AGE, col('Version', 'Kubelet version.'),
      col('Internal-IP', 'Internal address.', 1), col('External-IP', 'External address.', 1), col('OS-Image', 'Operating system.', 1),
      col('Kernel-Version', 'Kernel version.', 1), col('Container-Runtime', 'Container runtime version.', 1)],
    cells: (o, now) => {
      const info = obj(obj(o.status).nodeInfo);
      // Unset system info prints as <unknown>; the kernel carries the architecture when known.
      const unknown = (v: unknown): string => str(v) || '<unknown>';
      const arch = str(info.architecture);
      const kernel = arch ? `${unknown(info.kernelVersion)} (${arch})` : unknown(info.kernelVersion);
      return [str(meta(o).name), nodeStatus(o), nodeRoles(o), age(o, now), str(info.kubeletVersion),
        nodeAddress(o, 'InternalIP'), nodeAddress(o, 'ExternalIP'), unknown(info.osImage), kernel, unknown(info.containerRuntimeVersion)];
    },
  },
  namespaces: {
    columns: [NAME, col('Status', 'The namespace phase.'), AGE],
    cells: (o, now) => [str(meta(o).name), str(obj(o.status).phase), age(o, now)],
  },
  events: {
    columns: [col('Last Seen', 'When the event was last seen.'), col('Type', 'Normal or Warning.'), col('Reason', 'Short reason.'),
      col('Object', 'The object the event is about.'), col('Subobject', 'Field path inside the object.', 1),
      col('Source', 'Who reported the event.', 1), col('Message', 'What happened.'), col('First Seen', 'When first seen.', 1),
      col('Count', 'How often it happened.', 1), { ...NAME, priority: 1 }],
    cells: eventCells,
  },
  leases: {
    columns: [NAME, col('Holder', 'The current holder of the lease.'), AGE],
    cells: (o, now) => [str(meta(o).name), str(obj(o.spec).holderIdentity), age(o, now)],
  },
};
