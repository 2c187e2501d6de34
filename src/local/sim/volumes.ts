/**
 * @module Pure decisions of the PV binder (after pkg/controller/volume/persistentvolume,
 * pv_controller.go): which PersistentVolume a claim binds to, what a dynamically provisioned
 * local volume looks like, and what happens to a volume whose claim is gone (reclaim policy).
 */
import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { posix } from 'node:path';
import { parseQuantity } from './quantity.ts';

export const PROVISIONER = 'ordinal.dev/local';
export const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';

function quantityOr0(q: string | number | undefined): number {
  if (q === undefined) return 0;
  try {
    return parseQuantity(q);
  } catch {
    return 0;
  }
}

export function claimRequest(claim: V1PersistentVolumeClaim): number {
  return quantityOr0(claim.spec?.resources?.requests?.['storage']);
}

export function volumeCapacity(pv: V1PersistentVolume): number {
  return quantityOr0(pv.spec?.capacity?.['storage']);
}

/** An unset class on either side means the empty class (no default StorageClass here). */
function className(x: { storageClassName?: string } | undefined): string {
  return x?.storageClassName ?? '';
}

type Requirement = NonNullable<NonNullable<NonNullable<V1PersistentVolumeClaim['spec']>['selector']>['matchExpressions']>[number];

/** One label-selector requirement (In, NotIn, Exists, DoesNotExist) against a label set. */
function requirementMatches(e: Requirement, labels: Record<string, string>): boolean {
  const has = e.key in labels;
  const inValues = has && (e.values ?? []).includes(labels[e.key] ?? '');
  switch (e.operator) {
    case 'In':
      return inValues;
    case 'NotIn':
      return !inValues;
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

function labelsMatch(claim: V1PersistentVolumeClaim, pv: V1PersistentVolume): boolean {
  const sel = claim.spec?.selector;
  if (!sel) return true;
  const labels = pv.metadata?.labels ?? {};
  const exact = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return exact && (sel.matchExpressions ?? []).every((e) => requirementMatches(e, labels));
}

/** Whether `pv` could serve `claim`, ignoring whether it is already taken. */
export function volumeFits(claim: V1PersistentVolumeClaim, pv: V1PersistentVolume): boolean {
  if (volumeCapacity(pv) < claimRequest(claim)) return false;
  const modes = pv.spec?.accessModes ?? [];
  if (!(claim.spec?.accessModes ?? []).every((m) => modes.includes(m))) return false;
  if (className(claim.spec) !== className(pv.spec)) return false;
  if ((claim.spec?.volumeMode ?? 'Filesystem') !== (pv.spec?.volumeMode ?? 'Filesystem')) return false;
  return labelsMatch(claim, pv);
}

/** A volume nobody holds: no claimRef (or pre-bound to exactly this claim), not released or failed. */
export function volumeFreeFor(claim: V1PersistentVolumeClaim, pv: V1PersistentVolume): boolean {
  if (pv.metadata?.deletionTimestamp) return false;
  const phase = pv.status?.phase ?? 'Pending';
  if (phase !== 'Available' && phase !== 'Pending') return false;
  const ref = pv.spec?.claimRef;
  if (!ref) return true;
  return ref.name === claim.metadata?.name && ref.namespace === claim.metadata?.namespace && (!ref.uid || ref.uid === claim.metadata?.uid);
}

/**
 * The volume a claim binds to: the one named by `spec.volumeName` if set, else a volume
 * pre-bound to it, else the smallest fitting free volume (ties by name), as findBestMatchForClaim.
 */
export function matchVolume(claim: V1PersistentVolumeClaim, pvs: readonly V1PersistentVolume[]): V1PersistentVolume | undefined {
  const named = claim.spec?.volumeName;
  if (named) {
    const pv = pvs.find((p) => p.metadata?.name === named);
    return pv && volumeFreeFor(claim, pv) ? pv : undefined;
  }
  const free = pvs.filter((pv) => volumeFreeFor(claim, pv) && volumeFits(claim, pv));
  const prebound = free.find((pv) => pv.spec?.claimRef);
  if (prebound) return prebound;
  const unclaimed = free.filter((pv) => !pv.spec?.claimRef);
  unclaimed.sort((a, b) => volumeCapacity(a) - volumeCapacity(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return unclaimed[0];
}

/** Claims with the empty class explicitly set opt out of dynamic provisioning. */
export function wantsProvisioning(claim: V1PersistentVolumeClaim): boolean {
  return claim.spec?.storageClassName !== '' && !claim.spec?.volumeName;
}

/** A local volume for `claim`: `pvc-<uid>`, hostPath under dataDir, reclaim policy Delete. */
export function provisionedVolume(claim: V1PersistentVolumeClaim, dataDir: string): V1PersistentVolume {
  const meta = claim.metadata ?? {};
  const spec = claim.spec ?? {};
  const name = `pvc-${meta.uid ?? ''}`;
  const volume: NonNullable<V1PersistentVolume['spec']> = {
    capacity: { storage: spec.resources?.requests?.['storage'] ?? '1Gi' },
    accessModes: spec.accessModes ?? ['ReadWriteOnce'],
    persistentVolumeReclaimPolicy: 'Delete',
    volumeMode: spec.volumeMode ?? 'Filesystem',
    hostPath: { path: `${dataDir.replace(/\/+$/, '')}/${name}`, type: 'DirectoryOrCreate' },
    claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: meta.namespace ?? '', name: meta.name ?? '', uid: meta.uid ?? '' },
  };
  if (spec.storageClassName) volume.storageClassName = spec.storageClassName;
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, annotations: { [PROVISIONED_BY]: PROVISIONER } }, spec: volume };
}

export type ReclaimAction = 'none' | 'release' | 'delete' | 'recycle';

/** What to do with a volume whose bound claim no longer exists (persistentVolumeReclaimPolicy). */
export function reclaimAction(pv: V1PersistentVolume): ReclaimAction {
  const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
  if (policy === 'Delete') return 'delete';
  if (policy === 'Recycle') return 'recycle';
  return pv.status?.phase === 'Released' ? 'none' : 'release';
}

/** The data dir without trailing slashes (`/` stays `/`). */
function rootOf(dataDir: string): string {
  return dataDir.replace(/\/+$/, '') || '/';
}

/**
 * Where a hostPath lives on this machine. The simulated nodes share one disk, the data dir:
 * a path already under it is used as is (provisioned volumes), any other is re-rooted under
 * `<dataDir>/hostpath`, so `/tmp/pv-a` is `<dataDir>/hostpath/tmp/pv-a` and nothing outside the
 * data dir is ever written.
 */
export function hostPathDir(path: string, dataDir: string): string {
  const root = rootOf(dataDir);
  const abs = posix.normalize(`/${path}`);
  if (path.startsWith('/') && !path.split('/').includes('..') && (abs === root || abs.startsWith(`${root}/`))) return abs;
  return posix.join(root, 'hostpath', abs);
}

/** The directory holding a PersistentVolume's data: its hostPath (or local path), else `<dataDir>/volumes/<name>`. */
export function volumeDir(pv: V1PersistentVolume, dataDir: string): string {
  const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
  if (path) return hostPathDir(path, dataDir);
  return posix.join(rootOf(dataDir), 'volumes', pv.metadata?.name ?? '');
}
