/**
 * @module Per-resource strategies (the REST strategies of pkg/registry/*): which names are
 * valid, whether metadata.generation is tracked, what a create starts with, and how create and
 * update are validated. Pure over plain objects; cluster state comes in through `ClusterView`.
 */
import type { StatusCause } from './errors.ts';
import * as d from './defaults.ts';
import * as v from './validate.ts';
import { sameJson } from './meta.ts';
import { allocateClusterIP, allocateNodePorts, keepAllocated } from './services.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What strategies may read from the cluster: addresses and ports already in use. */
export interface ClusterView {
  usedClusterIPs(): Set<string>;
  usedNodePorts(): Set<number>;
}

export interface Strategy {
  nameRule: v.NameRule;
  /** Maintain metadata.generation (1 on create, +1 per spec change and on deletion). */
  generation: boolean;
  /** Reset status on create (to `initialStatus`) and keep the old one on main-resource updates. */
  hasStatus: boolean;
  allowCreateOnUpdate: boolean;
  /** DELETE answers with the object rather than a Success Status (pods, services, namespaces). */
  returnDeletedObject: boolean;
  prepareCreate(obj: Any, cluster: ClusterView): StatusCause[];
  validate(obj: Any): StatusCause[];
  validateUpdate(next: Any, prev: Any): StatusCause[];
  /** Adjust a main-resource update before validation (e.g. keep allocated service IPs). */
  prepareUpdate(next: Any, prev: Any): void;
}

const none = (): StatusCause[] => [];

function base(over: Partial<Strategy>): Strategy {
  return {
    nameRule: 'subdomain', generation: false, hasStatus: false, allowCreateOnUpdate: false, returnDeletedObject: false,
    prepareCreate: none, validate: none, validateUpdate: none, prepareUpdate: () => undefined,
    ...over,
  };
}

const STRATEGIES: Record<string, Strategy> = {
  namespaces: base({
    nameRule: 'label', hasStatus: true, returnDeletedObject: true,
    prepareCreate: (o) => {
      o.spec = { finalizers: ['kubernetes'] };
      o.status = { phase: 'Active' };
      o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name };
      return [];
    },
    prepareUpdate: (n, p) => {
      n.spec = p.spec;
      n.metadata.labels = { ...n.metadata.labels, 'kubernetes.io/metadata.name': n.metadata.name };
    },
  }),
  pods: base({
    generation: true, hasStatus: true, returnDeletedObject: true,
    prepareCreate: (o) => { d.defaultPod(o); return []; },
    prepareUpdate: (n) => { n.spec ??= {}; d.defaultPodSpec(n.spec); },
    validate: (o) => v.validatePodSpec(o.spec, 'spec'),
    validateUpdate: (n, p) => v.validatePodUpdate(n, p),
  }),
  services: base({
    nameRule: 'dns1035', hasStatus: true, returnDeletedObject: true,
    prepareCreate: (o, cluster) => {
      d.defaultService(o);
      o.status = { loadBalancer: {} };
      return [...allocateClusterIP(o.spec, cluster.usedClusterIPs()), ...allocateNodePorts(o.spec, cluster.usedNodePorts())];
    },
    validate: (o) => v.validateServiceSpec(o.spec ?? {}),
    prepareUpdate: (n, p) => { d.defaultService(n); keepAllocated(n.spec, p.spec); },
    validateUpdate: (n, p) => (n.spec?.clusterIP !== p.spec?.clusterIP && p.spec?.clusterIP
      ? [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: ${JSON.stringify(n.spec?.clusterIP)}: may not change once set` }]
      : []),
  }),
  persistentvolumeclaims: base({
    hasStatus: true,
    prepareCreate: (o) => { o.spec ??= {}; d.defaultPvcSpec(o.spec); o.status = { phase: 'Pending' }; return []; },
    prepareUpdate: (n) => { n.spec ??= {}; d.defaultPvcSpec(n.spec); },
    validate: (o) => v.validatePvcSpec(o.spec, 'spec'),
    validateUpdate: (n, p) => v.validatePvcUpdate(n, p),
  }),
  persistentvolumes: base({
    hasStatus: true,
    prepareCreate: (o) => { d.defaultPersistentVolume(o); o.status = { phase: 'Pending' }; return []; },
    prepareUpdate: (n) => d.defaultPersistentVolume(n),
    validate: (o) => v.validatePvSpec(o.spec),
  }),
  nodes: base({
    hasStatus: true,
    prepareCreate: (o) => { o.spec ??= {}; o.status ??= {}; return []; },
  }),
  events: base({ allowCreateOnUpdate: true }),
  'events.events.k8s.io': base({ allowCreateOnUpdate: true }),
  'leases.coordination.k8s.io': base({ allowCreateOnUpdate: true }),
  'endpointslices.discovery.k8s.io': base({
    nameRule: 'subdomain',
    prepareCreate: (o) => { d.defaultEndpointSlice(o); return []; },
    prepareUpdate: (n) => d.defaultEndpointSlice(n),
    validate: (o) => (['IPv4', 'IPv6', 'FQDN'].includes(o.addressType) ? [] : [{ reason: 'FieldValueNotSupported', field: 'addressType', message: `Unsupported value: ${JSON.stringify(o.addressType)}: supported values: "FQDN", "IPv4", "IPv6"` }]),
    validateUpdate: (n, p) => (n.addressType === p.addressType ? [] : [{ reason: 'FieldValueInvalid', field: 'addressType', message: `Invalid value: ${JSON.stringify(n.addressType)}: field is immutable` }]),
  }),
  'controllerrevisions.apps': base({
    validate: (o) => (o.revision === undefined || o.revision < 0 ? [{ reason: 'FieldValueInvalid', field: 'revision', message: `Invalid value: ${o.revision}: must be greater than or equal to 0` }] : []),
    validateUpdate: (n, p) => (sameJson(n.data, p.data) ? [] : [{ reason: 'FieldValueInvalid', field: 'data', message: 'Invalid value: "": field is immutable' }]),
  }),
  'statefulsets.apps': base({
    generation: true, hasStatus: true,
    prepareCreate: (o) => { d.defaultStatefulSet(o); o.status = { replicas: 0, availableReplicas: 0 }; return []; },
    prepareUpdate: (n) => d.defaultStatefulSet(n),
    validate: (o) => v.validateStatefulSetSpec(o.spec, o.spec?.template?.metadata?.labels),
    validateUpdate: (n, p) => v.validateStatefulSetUpdate(n, p),
  }),
};

export function strategyFor(resourceId: string): Strategy {
  return STRATEGIES[resourceId] ?? base({});
}
