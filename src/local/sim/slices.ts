/**
 * @module Pure EndpointSlice reconciliation (after k8s.io/endpointslice reconciler.go): from a
 * Service's desired endpoint groups and the slices that exist, compute the minimal creates,
 * updates and deletes. Existing slices keep their endpoints in place; only slices whose content
 * changes are written; new endpoints fill free room before new slices are made.
 */
import type { V1Endpoint, V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { portsKey, type AddressType, type EndpointGroup } from './endpoints.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export interface SlicePlan {
  create: V1EndpointSlice[];
  update: V1EndpointSlice[];
  delete: V1EndpointSlice[];
}

export function isHeadless(svc: V1Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

/** Labels of a slice: the Service's own labels minus the reserved ones, plus the reserved ones. */
export function sliceLabels(svc: V1Service): Record<string, string> {
  const reserved = [SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL];
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) if (!reserved.includes(k)) out[k] = v;
  out[SERVICE_NAME_LABEL] = svc.metadata?.name ?? '';
  out[MANAGED_BY_LABEL] = MANAGED_BY;
  if (isHeadless(svc)) out[HEADLESS_LABEL] = '';
  return out;
}

function ownerRef(svc: V1Service): NonNullable<V1EndpointSlice['metadata']>['ownerReferences'] {
  return [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }];
}

function newSlice(svc: V1Service, addressType: AddressType, group: Pick<EndpointGroup, 'ports'>, endpoints: V1Endpoint[]): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata?.name ?? ''}-`,
      namespace: svc.metadata?.namespace ?? '',
      labels: sliceLabels(svc),
      ownerReferences: ownerRef(svc),
    },
    addressType,
    ports: group.ports,
    endpoints,
  };
}

/** JSON with sorted keys and without null/undefined values: equality regardless of field order. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val === null || typeof val !== 'object' || Array.isArray(val)) return val;
    const entries = Object.entries(val as Record<string, unknown>).filter(([, x]) => x !== undefined && x !== null);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
  });
}

function endpointKey(ep: V1Endpoint): string {
  return ep.targetRef?.uid || (ep.addresses ?? []).join(',');
}

function sameMeta(slice: V1EndpointSlice, svc: V1Service): boolean {
  const owners = (slice.metadata?.ownerReferences ?? []).map((o) => ({ ...o }));
  return canonical(slice.metadata?.labels ?? {}) === canonical(sliceLabels(svc)) && canonical(owners) === canonical(ownerRef(svc));
}

interface Working {
  slice: V1EndpointSlice;
  endpoints: V1Endpoint[];
  changed: boolean;
}

/** Plan the writes that make the Service's slices carry exactly `groups`. */
export function reconcileSlices(svc: V1Service, groups: ReadonlyMap<string, EndpointGroup>, existing: readonly V1EndpointSlice[], maxPerSlice = 100): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const byKey = new Map<string, V1EndpointSlice[]>();
  for (const s of existing) {
    const key = portsKey((s.addressType as AddressType) ?? 'IPv4', s.ports ?? []);
    if (!groups.has(key)) plan.delete.push(s);
    else byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  for (const [key, group] of groups) reconcileGroup(svc, group, byKey.get(key) ?? [], maxPerSlice, plan);
  keepPlaceholder(svc, groups, existing, plan);
  return plan;
}

function reconcileGroup(svc: V1Service, group: EndpointGroup, slices: V1EndpointSlice[], max: number, plan: SlicePlan): void {
  const pending = new Map(group.endpoints.map((ep) => [endpointKey(ep), ep]));
  const work: Working[] = slices.map((slice) => {
    const endpoints: V1Endpoint[] = [];
    for (const ep of slice.endpoints ?? []) {
      const want = pending.get(endpointKey(ep));
      if (want && endpoints.length < max) {
        endpoints.push(want);
        pending.delete(endpointKey(ep));
      }
    }
    const changed = canonical(endpoints) !== canonical(slice.endpoints ?? []) || !sameMeta(slice, svc);
    return { slice, endpoints, changed };
  });
  // Fill slices that still hold endpoints and are being written anyway, then the fullest ones
  // (fewer writes); emptied slices come last, so they are deleted rather than refilled.
  const kept = (w: Working): number => Number(w.endpoints.length > 0);
  const order = [...work].sort((a, b) => kept(b) - kept(a) || Number(b.changed) - Number(a.changed) || b.endpoints.length - a.endpoints.length);
  const rest = [...pending.values()];
  for (const w of order) {
    while (rest.length > 0 && w.endpoints.length < max) {
      w.endpoints.push(rest.shift() as V1Endpoint);
      w.changed = true;
    }
  }
  for (let i = 0; i < rest.length; i += max) plan.create.push(newSlice(svc, group.addressType, group, rest.slice(i, i + max)));
  for (const w of work) {
    if (w.endpoints.length === 0) plan.delete.push(w.slice);
    else if (w.changed) plan.update.push(withContent(w.slice, svc, group, w.endpoints));
  }
}

function withContent(slice: V1EndpointSlice, svc: V1Service, group: Pick<EndpointGroup, 'ports'>, endpoints: V1Endpoint[]): V1EndpointSlice {
  return {
    ...slice,
    metadata: { ...slice.metadata, labels: sliceLabels(svc), ownerReferences: ownerRef(svc) },
    ports: group.ports,
    endpoints,
  };
}

/**
 * A selector Service with no endpoints still gets one empty slice (upstream's placeholder), so
 * readers can tell "no endpoints" from "not reconciled yet". Reuse an existing slice for it.
 */
function keepPlaceholder(svc: V1Service, groups: ReadonlyMap<string, EndpointGroup>, existing: readonly V1EndpointSlice[], plan: SlicePlan): void {
  const kept = existing.length - plan.delete.length + plan.create.length;
  if (kept > 0 || groups.size > 0) return;
  const empty = { ports: [] };
  const reuse = plan.delete.shift();
  if (!reuse) {
    plan.create.push(newSlice(svc, 'IPv4', empty, []));
    return;
  }
  const isPlaceholder = (reuse.endpoints ?? []).length === 0 && (reuse.ports ?? []).length === 0 && sameMeta(reuse, svc);
  if (!isPlaceholder) plan.update.push(withContent(reuse, svc, empty, []));
}
