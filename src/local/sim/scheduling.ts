/**
 * @module The two scheduler filters the stand-in honours besides readiness (kube-scheduler's
 * NodeSelector part of NodeAffinity, and TaintToleration): a pod goes only to a node whose
 * labels carry its nodeSelector and whose NoSchedule/NoExecute taints it tolerates.
 */
import type { V1Node, V1Pod, V1Taint, V1Toleration } from '@kubernetes/client-node';

/** Toleration semantics of k8s.io/api core/v1 toleration.go ToleratesTaint. */
export function tolerates(t: V1Toleration, taint: V1Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false; // an empty key only works with Exists
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

const CONDITION_TAINTS = new Set(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);

export function podFitsNode(pod: V1Pod, node: V1Node | undefined): boolean {
  if (!node) return false;
  const labels = node.metadata?.labels ?? {};
  const selected = Object.entries(pod.spec?.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
  if (!selected) return false;
  const tolerations = pod.spec?.tolerations ?? [];
  // Condition taints (kube-apiserver's TaintNodesByCondition adds not-ready at registration)
  // mirror the node's Ready condition, which the caller checks itself; nothing here removes them.
  return (node.spec?.taints ?? [])
    .filter((taint) => !CONDITION_TAINTS.has(taint.key))
    .filter((taint) => taint.effect === 'NoSchedule' || taint.effect === 'NoExecute')
    .every((taint) => tolerations.some((t) => tolerates(t, taint)));
}
