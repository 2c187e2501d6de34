/**
 * @module Storage-object-in-use protection, the half that runs in kube-controller-manager
 * (pkg/controller/volume/pvcprotection and pvprotection): a real kube-apiserver's admission
 * plugin puts `kubernetes.io/pvc-protection` on every claim and `kubernetes.io/pv-protection`
 * on every volume, and without the controllers a deleted claim or volume stays Terminating.
 * A claim's finalizer goes once no live pod uses it; a volume's once it is no longer Bound.
 */
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';

export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION = 'kubernetes.io/pv-protection';

export interface DropFinalizer {
  op: 'dropFinalizer';
  kind: 'pvc' | 'pv';
  namespace: string;
  name: string;
  finalizer: string;
}

/** Claims (`ns/name`) referenced by a pod that has not terminated. */
export function claimsInUse(pods: readonly V1Pod[]): Set<string> {
  const used = new Set<string>();
  for (const p of pods) {
    if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    for (const v of p.spec?.volumes ?? []) {
      if (v.persistentVolumeClaim?.claimName) used.add(`${p.metadata?.namespace ?? ''}/${v.persistentVolumeClaim.claimName}`);
    }
  }
  return used;
}

function claimFinalizerDue(c: V1PersistentVolumeClaim, used: ReadonlySet<string>): boolean {
  const m = c.metadata ?? {};
  return !!m.deletionTimestamp && (m.finalizers ?? []).includes(PVC_PROTECTION) && !used.has(`${m.namespace ?? ''}/${m.name ?? ''}`);
}

function volumeFinalizerDue(v: V1PersistentVolume): boolean {
  const m = v.metadata ?? {};
  return !!m.deletionTimestamp && (m.finalizers ?? []).includes(PV_PROTECTION) && v.status?.phase !== 'Bound';
}

export function planProtection(pvs: readonly V1PersistentVolume[], claims: readonly V1PersistentVolumeClaim[], pods: readonly V1Pod[]): DropFinalizer[] {
  const used = claimsInUse(pods);
  const forClaims = claims.filter((c) => claimFinalizerDue(c, used)).map(
    (c): DropFinalizer => ({ op: 'dropFinalizer', kind: 'pvc', namespace: c.metadata?.namespace ?? '', name: c.metadata?.name ?? '', finalizer: PVC_PROTECTION }),
  );
  const forVolumes = pvs.filter(volumeFinalizerDue).map(
    (v): DropFinalizer => ({ op: 'dropFinalizer', kind: 'pv', namespace: '', name: v.metadata?.name ?? '', finalizer: PV_PROTECTION }),
  );
  return [...forClaims, ...forVolumes];
}
