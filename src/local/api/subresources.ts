/**
 * @module The `scale` subresource of StatefulSets (autoscaling/v1 Scale) and `pods/binding`
 * (what the scheduler POSTs). Pure conversions plus registry calls.
 */
import { ApiError, badRequest, conflict } from './errors.ts';
import { clone } from './meta.ts';
import type { Registry, Target } from './registry.ts';
import type { LabelSelectorObject } from './selectors.ts';
import type { KObject } from './store.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** metav1.FormatLabelSelector: `app=web,tier in (a,b)`. */
export function formatSelector(s: LabelSelectorObject | undefined): string {
  if (!s) return '';
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

export function toScale(o: KObject): Any {
  const s = o as Any;
  const m = o.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: s.spec?.replicas ?? 0 },
    status: { replicas: s.status?.replicas ?? 0, selector: formatSelector(s.spec?.selector) },
  };
}

/** PUT .../scale: only spec.replicas moves into the StatefulSet; rv in the body is a precondition. */
export function updateScale(reg: Registry, t: Target, name: string, body: unknown): KObject {
  if (body === null || typeof body !== 'object') throw badRequest('the request body must be a Scale object');
  const b = body as Any;
  if (b.kind !== undefined && b.kind !== 'Scale') throw badRequest(`the object provided is unrecognized (must be of type Scale): kind "${b.kind}"`);
  const replicas = b.spec?.replicas;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new ApiError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, { name, group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'must be greater than or equal to 0' }] });
  }
  const prev = reg.get(t, name);
  reg.checkPreconditions(t, name, prev, b.metadata?.resourceVersion, b.metadata?.uid);
  const next = clone(prev) as Any;
  next.spec.replicas = replicas;
  return reg.commitUpdate(t, prev, next as KObject);
}

/** POST pods/<name>/binding: assigns the pod to a node once (pod REST BindingREST.Create). */
export function bindPod(reg: Registry, t: Target, name: string, body: unknown): KObject {
  const b = (body ?? {}) as Any;
  if (b.kind !== undefined && b.kind !== 'Binding') throw badRequest(`the object provided is unrecognized (must be of type Binding): kind "${b.kind}"`);
  if (b.metadata?.name && b.metadata.name !== name) throw badRequest(`the name of the object (${b.metadata.name}) does not match the name on the URL (${name})`);
  const node = b.target?.name;
  if (!node) throw new ApiError(422, 'Invalid', `Binding "${name}" is invalid: target.name: Required value`);
  const prev = reg.get(t, name) as Any;
  if (prev.metadata.deletionTimestamp) throw conflict('', 'pods', name, 'pod is being deleted, cannot be assigned to a host');
  if (prev.spec.nodeName) throw conflict('', 'pods', name, `pod ${name} is already assigned to node "${prev.spec.nodeName}"`);
  const next = clone(prev);
  next.spec.nodeName = node;
  const conds: Any[] = (next.status.conditions ?? []).filter((c: Any) => c.type !== 'PodScheduled');
  conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: new Date(reg.now()).toISOString().replace(/\.\d{3}Z$/, 'Z') });
  next.status.conditions = conds;
  // The binding is the one sanctioned way to set spec.nodeName after creation, so it skips
  // the pod spec immutability check by committing directly.
  return reg.commitUpdate(t, prev as KObject, next as KObject);
}
