/**
 * @module Validation per kind, after pkg/apis/{core,apps}/validation: returns the field errors
 * (StatusCause) that make a 422 Invalid; an empty list means valid. Messages follow upstream's
 * field.Error rendering: `<path>: <Type>: <detail>` / `<path>: Invalid value: <v>: <detail>`.
 */
import type { StatusCause } from './errors.ts';
import { sameJson } from './meta.ts';
import { matchLabels, selectorFromObject } from './selectors.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function required(field: string, detail = ''): StatusCause {
  return { reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' };
}

function invalidValue(field: string, value: unknown, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` };
}

function forbiddenField(field: string, detail: string): StatusCause {
  return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
}

function unsupported(field: string, value: unknown, allowed: string[]): StatusCause {
  return { reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}` };
}

export type NameRule = 'subdomain' | 'label' | 'dns1035';

export function validateName(name: string, rule: NameRule, field = 'metadata.name'): StatusCause[] {
  if (rule === 'label' && (!DNS1123_LABEL.test(name) || name.length > 63)) {
    return [invalidValue(field, name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")];
  }
  if (rule === 'dns1035' && (!DNS1035_LABEL.test(name) || name.length > 63)) {
    return [invalidValue(field, name, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")];
  }
  if (rule === 'subdomain' && (!DNS1123_SUBDOMAIN.test(name) || name.length > 253)) {
    return [invalidValue(field, name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")];
  }
  return [];
}

function validateLabels(labels: unknown, field: string): StatusCause[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object') return [invalidValue(field, labels, 'must be a map of strings')];
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels as Any)) {
    if (typeof v !== 'string') out.push(invalidValue(`${field}`, v, 'label values must be strings'));
    else if (v.length > 63 || (v !== '' && !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(v))) {
      out.push(invalidValue(field, v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
    }
    if (k === '') out.push(invalidValue(field, k, 'name part must be non-empty'));
  }
  return out;
}

export function validateMeta(meta: Any, rule: NameRule): StatusCause[] {
  const out: StatusCause[] = [];
  if (!meta.name) out.push(required('metadata.name', 'name or generateName is required'));
  else out.push(...validateName(meta.name, rule));
  out.push(...validateLabels(meta.labels, 'metadata.labels'));
  if (meta.annotations !== undefined && (typeof meta.annotations !== 'object' || Object.values(meta.annotations).some((v) => typeof v !== 'string'))) {
    out.push(invalidValue('metadata.annotations', meta.annotations, 'annotations must be a map of strings'));
  }
  return out;
}

function validateContainers(list: unknown, field: string, requiredList: boolean): StatusCause[] {
  if (!Array.isArray(list) || list.length === 0) return requiredList ? [required(field)] : [];
  const out: StatusCause[] = [];
  const names = new Set<string>();
  list.forEach((c: Any, i) => {
    const f = `${field}[${i}]`;
    if (!c?.name) out.push(required(`${f}.name`));
    else {
      out.push(...validateName(c.name, 'label', `${f}.name`));
      if (names.has(c.name)) out.push({ reason: 'FieldValueDuplicate', field: `${f}.name`, message: `Duplicate value: "${c.name}"` });
      names.add(c.name);
    }
    if (!c?.image) out.push(required(`${f}.image`));
    for (const [j, p] of (c?.ports ?? []).entries()) {
      if (!(Number.isInteger(p.containerPort) && p.containerPort > 0 && p.containerPort < 65536)) {
        out.push(invalidValue(`${f}.ports[${j}].containerPort`, p.containerPort, 'must be between 1 and 65535, inclusive'));
      }
    }
  });
  return out;
}

export function validatePodSpec(spec: Any | undefined, field: string): StatusCause[] {
  if (!spec) return [required(field)];
  const out = validateContainers(spec.containers, `${field}.containers`, true);
  out.push(...validateContainers(spec.initContainers, `${field}.initContainers`, false));
  const policies = ['Always', 'OnFailure', 'Never'];
  if (!policies.includes(spec.restartPolicy)) out.push(unsupported(`${field}.restartPolicy`, spec.restartPolicy, policies));
  if (spec.hostname) out.push(...validateName(spec.hostname, 'label', `${field}.hostname`));
  if (spec.subdomain) out.push(...validateName(spec.subdomain, 'label', `${field}.subdomain`));
  return out;
}

export function validateStatefulSetSpec(spec: Any, templateLabels: Any | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  if (typeof spec.replicas !== 'number' || spec.replicas < 0) out.push(invalidValue('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  const policies = ['OrderedReady', 'Parallel'];
  if (!policies.includes(spec.podManagementPolicy)) out.push(unsupported('spec.podManagementPolicy', spec.podManagementPolicy, policies));
  const types = ['RollingUpdate', 'OnDelete'];
  if (!types.includes(spec.updateStrategy?.type)) out.push(unsupported('spec.updateStrategy.type', spec.updateStrategy?.type, types));
  const partition = spec.updateStrategy?.rollingUpdate?.partition;
  if (partition !== undefined && partition < 0) out.push(invalidValue('spec.updateStrategy.rollingUpdate.partition', partition, 'must be greater than or equal to 0'));
  if (!spec.selector) {
    out.push(required('spec.selector'));
  } else {
    const empty = !Object.keys(spec.selector.matchLabels ?? {}).length && !(spec.selector.matchExpressions ?? []).length;
    if (empty) out.push(invalidValue('spec.selector', spec.selector, 'empty selector is invalid for statefulset'));
    else {
      let ok = false;
      try { ok = matchLabels(selectorFromObject(spec.selector), templateLabels ?? {}); } catch { ok = false; }
      if (!ok) out.push(invalidValue('spec.template.metadata.labels', templateLabels ?? {}, '`selector` does not match template `labels`'));
    }
  }
  out.push(...validateLabels(templateLabels, 'spec.template.metadata.labels'));
  out.push(...validatePodSpec(spec.template?.spec, 'spec.template.spec'));
  if (spec.template?.spec?.restartPolicy && spec.template.spec.restartPolicy !== 'Always') {
    out.push(unsupported('spec.template.spec.restartPolicy', spec.template.spec.restartPolicy, ['Always']));
  }
  return out;
}

/** StatefulSet spec fields that may change after creation (ValidateStatefulSetUpdate). */
const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function without(o: Any, keys: string[]): Any {
  const c: Any = { ...o };
  for (const k of keys) delete c[k];
  return c;
}

const same = sameJson;

export function validateStatefulSetUpdate(next: Any, prev: Any): StatusCause[] {
  if (same(without(next.spec ?? {}, STS_MUTABLE), without(prev.spec ?? {}, STS_MUTABLE))) return [];
  return [forbiddenField('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
}

/** Scheduling gates may only be removed (KEP-3521): a gate that was not there is forbidden. */
function validateSchedulingGatesUpdate(next: Any, prev: Any): StatusCause[] {
  const had = new Set(((prev.spec?.schedulingGates ?? []) as Any[]).map((g) => g.name));
  return ((next.spec?.schedulingGates ?? []) as Any[]).flatMap((g, i) =>
    had.has(g.name) ? [] : [forbiddenField(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${String(g.name)}'`)]);
}

/** Pod spec is immutable except images, activeDeadlineSeconds, tolerations and removing scheduling gates (ValidatePodUpdate). */
export function validatePodUpdate(next: Any, prev: Any): StatusCause[] {
  const gates = validateSchedulingGatesUpdate(next, prev);
  if (gates.length) return gates;
  const strip = (spec: Any): Any => {
    const s = without(spec ?? {}, ['activeDeadlineSeconds', 'tolerations', 'schedulingGates']);
    const img = (cs: Any[] | undefined): Any[] | undefined => cs?.map((c) => without(c, ['image']));
    return { ...s, containers: img(s.containers), initContainers: img(s.initContainers) };
  };
  if (same(strip(next.spec), strip(prev.spec))) return [];
  return [forbiddenField('spec', 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)')];
}

export function validateServiceSpec(spec: Any): StatusCause[] {
  const out: StatusCause[] = [];
  const types = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
  if (!types.includes(spec.type)) out.push(unsupported('spec.type', spec.type, types));
  const headless = spec.clusterIP === 'None';
  const ports: Any[] = spec.ports ?? [];
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') out.push(required('spec.ports'));
  if (spec.type === 'ExternalName' && !spec.externalName) out.push(required('spec.externalName'));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    if (!(Number.isInteger(p.port) && p.port > 0 && p.port < 65536)) out.push(invalidValue(`spec.ports[${i}].port`, p.port, 'must be between 1 and 65535, inclusive'));
    if (ports.length > 1 && !p.name) out.push(required(`spec.ports[${i}].name`));
    if (p.name && names.has(p.name)) out.push({ reason: 'FieldValueDuplicate', field: `spec.ports[${i}].name`, message: `Duplicate value: "${p.name}"` });
    if (p.name) names.add(p.name);
    const protos = ['TCP', 'UDP', 'SCTP'];
    if (!protos.includes(p.protocol)) out.push(unsupported(`spec.ports[${i}].protocol`, p.protocol, protos));
  });
  const affinities = ['ClientIP', 'None'];
  if (!affinities.includes(spec.sessionAffinity)) out.push(unsupported('spec.sessionAffinity', spec.sessionAffinity, affinities));
  return out;
}

export function validatePvcSpec(spec: Any | undefined, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (!spec?.accessModes?.length) out.push(required(`${field}.accessModes`, 'at least 1 access mode is required'));
  if (!spec?.resources?.requests?.storage && !spec?.dataSource) out.push(required(`${field}.resources[storage]`));
  return out;
}

/** A claim's spec is immutable once created, except requests (expansion) and binding volumeName. */
export function validatePvcUpdate(next: Any, prev: Any): StatusCause[] {
  const strip = (s: Any | undefined): Any => ({ ...without(s ?? {}, ['resources', 'volumeName', 'volumeAttributesClassName']) });
  const volumeChanged = prev.spec?.volumeName && next.spec?.volumeName !== prev.spec.volumeName;
  if (same(strip(next.spec), strip(prev.spec)) && !volumeChanged) return [];
  return [forbiddenField('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims')];
}

export function validatePvSpec(spec: Any | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  if (!spec?.capacity?.storage) out.push(required('spec.capacity'));
  if (!spec?.accessModes?.length) out.push(required('spec.accessModes'));
  const sources = ['hostPath', 'local', 'nfs', 'csi', 'iscsi', 'fc', 'rbd', 'cephfs', 'gcePersistentDisk', 'awsElasticBlockStore', 'azureDisk', 'azureFile'];
  if (!sources.some((s) => spec?.[s])) out.push(required('spec', 'must specify a volume type'));
  return out;
}
