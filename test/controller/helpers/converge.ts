/** What "converged to spec" means for a StatefulSet on the embedded store. */
import type { KObject, Store } from '../../../src/local/api/index.ts';
import { isGood } from './audit.ts';

export interface SetObj extends KObject {
  spec: { replicas: number };
  status?: {
    observedGeneration?: number; replicas?: number; readyReplicas?: number; availableReplicas?: number;
    currentReplicas?: number; updatedReplicas?: number; currentRevision?: string; updateRevision?: string;
  };
}

export const getSet = (store: Store, ns: string, name: string): SetObj | undefined =>
  store.get('statefulsets.apps', ns, name) as SetObj | undefined;

/** The pods of set `name` in `ns` (by name pattern; the tests run one set per namespace or distinct names). */
export const podsOfSet = (store: Store, ns: string, name: string): KObject[] =>
  store.list('pods', ns).filter((p) => new RegExp(`^${name}-\\d+$`).test(p.metadata.name ?? ''));

/**
 * Why the set is not converged, or undefined when it is: observedGeneration current, exactly
 * ordinals 0..replicas-1, all Ready and not Terminating at the update revision, every status
 * counter equal to replicas, currentRevision promoted, and (optionally) each ordinal's claim.
 */
export function divergence(store: Store, ns: string, name: string, claimTemplate?: string): string | undefined {
  const set = getSet(store, ns, name);
  if (!set) return 'no set';
  const n = set.spec.replicas;
  const st = set.status ?? {};
  if (st.observedGeneration !== set.metadata.generation) return `observedGeneration ${st.observedGeneration} != ${set.metadata.generation}`;
  const pods = podsOfSet(store, ns, name);
  const names = pods.map((p) => p.metadata.name).sort();
  const want = Array.from({ length: n }, (_, i) => `${name}-${i}`).sort();
  if (JSON.stringify(names) !== JSON.stringify(want)) return `pods [${names.join(',')}]`;
  for (const p of pods) {
    if (!isGood(p)) return `${p.metadata.name} not Ready`;
    const rev = p.metadata.labels?.['controller-revision-hash'];
    if (rev !== st.updateRevision) return `${p.metadata.name} at ${rev}, want ${st.updateRevision}`;
  }
  for (const f of ['replicas', 'readyReplicas', 'availableReplicas', 'currentReplicas', 'updatedReplicas'] as const) {
    if (st[f] !== n) return `status.${f} ${st[f]} != ${n}`;
  }
  if (!st.updateRevision || st.currentRevision !== st.updateRevision) return `currentRevision ${st.currentRevision} != updateRevision ${st.updateRevision}`;
  if (claimTemplate) {
    for (let i = 0; i < n; i++) {
      if (!store.get('persistentvolumeclaims', ns, `${claimTemplate}-${name}-${i}`)) return `claim ${claimTemplate}-${name}-${i} missing`;
    }
  }
  return undefined;
}
