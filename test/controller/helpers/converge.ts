/** What "converged to spec" means for a StatefulSet, over objects from the embedded store or any API. */
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

const podOf = (name: string) => new RegExp(`^${name}-\\d+$`);

/** The pods of set `name` in `ns` (by name pattern; the tests run one set per namespace or distinct names). */
export const podsOfSet = (store: Store, ns: string, name: string): KObject[] =>
  store.list('pods', ns).filter((p) => podOf(name).test(p.metadata.name ?? ''));

/**
 * Why the set is not converged, or undefined when it is: observedGeneration current, exactly
 * ordinals 0..replicas-1, all Ready and not Terminating at the update revision, every status
 * counter equal to replicas, currentRevision promoted, and (optionally) each ordinal's claim.
 * `pods` may hold other pods of the namespace; `claimNames` are the namespace's claims.
 */
export function divergenceOf(set: SetObj | undefined, pods: readonly KObject[], claimNames?: ReadonlySet<string>, claimTemplate?: string): string | undefined {
  if (!set) return 'no set';
  const name = set.metadata.name ?? '';
  const n = set.spec.replicas;
  const st = set.status ?? {};
  if (st.observedGeneration !== set.metadata.generation) return `observedGeneration ${st.observedGeneration} != ${set.metadata.generation}`;
  const mine = pods.filter((p) => podOf(name).test(p.metadata.name ?? ''));
  const names = mine.map((p) => p.metadata.name).sort();
  const want = Array.from({ length: n }, (_, i) => `${name}-${i}`).sort();
  if (JSON.stringify(names) !== JSON.stringify(want)) return `pods [${names.join(',')}]`;
  for (const p of mine) {
    if (!isGood(p)) return `${p.metadata.name} not Ready`;
    const rev = p.metadata.labels?.['controller-revision-hash'];
    if (rev !== st.updateRevision) return `${p.metadata.name} at ${rev}, want ${st.updateRevision}`;
  }
  // A real API server omits zero counters (omitempty in apps/v1 types.go): absent means 0.
  for (const f of ['replicas', 'readyReplicas', 'availableReplicas', 'currentReplicas', 'updatedReplicas'] as const) {
    if ((st[f] ?? 0) !== n) return `status.${f} ${st[f]} != ${n}`;
  }
  if (!st.updateRevision || st.currentRevision !== st.updateRevision) return `currentRevision ${st.currentRevision} != updateRevision ${st.updateRevision}`;
  if (claimTemplate) {
    for (let i = 0; i < n; i++) {
      if (!claimNames?.has(`${claimTemplate}-${name}-${i}`)) return `claim ${claimTemplate}-${name}-${i} missing`;
    }
  }
  return undefined;
}

/** divergenceOf over the embedded store. */
export function divergence(store: Store, ns: string, name: string, claimTemplate?: string): string | undefined {
  const claims = new Set(store.list('persistentvolumeclaims', ns).map((c) => c.metadata.name ?? ''));
  return divergenceOf(getSet(store, ns, name), podsOfSet(store, ns, name), claims, claimTemplate);
}
