/**
 * @module Pure pod helpers: ordinals, names, health predicates, identity and storage.
 * Mirrors the helpers of upstream pkg/controller/statefulset/stateful_set_utils.go
 * (getParentNameAndOrdinal, identityMatches, storageMatches, newStatefulSetPod, …).
 */
import type {
  ControllerRevision, OwnerReference, PersistentVolumeClaim, Pod, PodTemplate, StatefulSet, Timestamp, Volume,
} from './types.ts';
import { LABELS, POLICY, STRATEGY } from './types.ts';

// Upstream statefulPodRegex; the ordinal must fit a signed 32-bit int (strconv.ParseInt(_, 10, 32)).
const ORDINAL_RE = /^(.*)-([0-9]+)$/;
const MAX_INT32 = 2 ** 31 - 1;

/** Parent set name and ordinal of a pod name; ordinal −1 when the name has no valid ordinal. */
export function parentAndOrdinal(name: string | undefined): { parent: string; ordinal: number } {
  const m = ORDINAL_RE.exec(name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const ordinal = Number(m[2]);
  if (!Number.isSafeInteger(ordinal) || ordinal > MAX_INT32) return { parent: m[1] ?? '', ordinal: -1 };
  return { parent: m[1] ?? '', ordinal };
}

export function getOrdinal(pod: Pod): number {
  return parentAndOrdinal(pod.metadata.name).ordinal;
}

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

export function claimName(set: StatefulSet, templateName: string, ordinal: number): string {
  return `${templateName}-${set.metadata.name}-${ordinal}`;
}

export function replicasOf(set: StatefulSet): number {
  return set.spec.replicas ?? 1;
}

export function startOrdinal(set: StatefulSet): number {
  return set.spec.ordinals?.start ?? 0;
}

/** Exclusive end of the ordinal range `[start, start + replicas)`. */
export function endOrdinal(set: StatefulSet): number {
  return startOrdinal(set) + replicasOf(set);
}

export function inOrdinalRange(set: StatefulSet, ordinal: number): boolean {
  return ordinal >= startOrdinal(set) && ordinal < endOrdinal(set);
}

/** Parallel management allows bursts; OrderedReady (the default) is monotonic. */
export function allowsBurst(set: StatefulSet): boolean {
  return set.spec.podManagementPolicy === POLICY.parallel;
}

export function strategyType(set: StatefulSet): string {
  return set.spec.updateStrategy?.type ?? STRATEGY.rollingUpdate;
}

/** isMemberOf: the pod's name parent part equals the set's name. */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentAndOrdinal(pod.metadata.name).parent === set.metadata.name;
}

export function toMillis(t: Timestamp | null | undefined): number | undefined {
  if (t === null || t === undefined) return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

export const isCreated = (pod: Pod): boolean => (pod.status?.phase ?? '') !== '';
export const isPending = (pod: Pod): boolean => pod.status?.phase === 'Pending';
export const isFailed = (pod: Pod): boolean => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded';
export const isTerminating = (pod: Pod): boolean =>
  pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;

function readyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

/** podutil.IsPodAvailable: Ready, and Ready for at least minReadySeconds. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = toMillis(readyCondition(pod)?.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 < now;
}

export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  return pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, now);
}

/** 1.34+ `isUnavailable`: not running-and-available, or terminating. Stubs count as unavailable. */
export function isUnavailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  return !isRunningAndAvailable(pod, minReadySeconds, now) || isTerminating(pod);
}

/** When a ready pod will become available, or undefined if it already is / never will be. */
export function availableAt(pod: Pod, minReadySeconds: number): number | undefined {
  if (minReadySeconds <= 0 || !isPodReady(pod)) return undefined;
  const since = toMillis(readyCondition(pod)?.lastTransitionTime);
  return since === undefined ? undefined : since + minReadySeconds * 1000;
}

export function podRevision(pod: Pod): string {
  return pod.metadata.labels?.[LABELS.revision] ?? '';
}

/** identityMatches: name, namespace and the pod-name label (hostname is not checked upstream). */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod.metadata.name);
  return ordinal >= 0 && parent === set.metadata.name && pod.metadata.name === podName(set, ordinal) &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[LABELS.podName] === pod.metadata.name;
}

/** storageMatches: every claim template is mounted as a volume of the same name on the right claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  for (const tpl of set.spec.volumeClaimTemplates ?? []) {
    const name = tpl.metadata.name ?? '';
    const v = volumes.get(name);
    if (v?.persistentVolumeClaim?.claimName !== claimName(set, name, ordinal)) return false;
  }
  return true;
}

/** metav1.NewControllerRef for a StatefulSet. */
export function setControllerRef(set: StatefulSet): OwnerReference {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name ?? '', uid: set.metadata.uid ?? '',
    controller: true, blockOwnerDeletion: true,
  };
}

/**
 * The names of the claims a pod at `ordinal` uses, in template order. Planning reads these for
 * every pod on every sync; unlike claimsForOrdinal it copies nothing.
 */
export function claimNamesForOrdinal(set: StatefulSet, ordinal: number): string[] {
  return (set.spec.volumeClaimTemplates ?? []).map((tpl) => claimName(set, tpl.metadata.name ?? '', ordinal));
}

/** The claims a pod at `ordinal` uses, keyed by claim template name (getPersistentVolumeClaims). */
export function claimsForOrdinal(set: StatefulSet, ordinal: number): Map<string, PersistentVolumeClaim> {
  const out = new Map<string, PersistentVolumeClaim>();
  const matchLabels = set.spec.selector.matchLabels ?? {};
  for (const tpl of set.spec.volumeClaimTemplates ?? []) {
    const copy = structuredClone(tpl);
    const tplName = copy.metadata.name ?? '';
    // The selector wins on key clashes; without template labels the claim gets exactly matchLabels.
    const labels = copy.metadata.labels ? { ...copy.metadata.labels, ...matchLabels } : { ...matchLabels };
    const { creationTimestamp: _c, resourceVersion: _r, uid: _u, ...meta } = copy.metadata;
    out.set(tplName, {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...copy,
      metadata: { ...meta, name: claimName(set, tplName, ordinal), namespace: set.metadata.namespace, labels },
    });
  }
  return out;
}

/** updateStorage: claim-backed volumes first, then the template's other volumes. */
export function withStorage(set: StatefulSet, pod: Pod): Volume[] {
  const claims = claimsForOrdinal(set, getOrdinal(pod));
  const volumes: Volume[] = [...claims].map(([name, c]) => ({
    name, persistentVolumeClaim: { claimName: c.metadata.name ?? '', readOnly: false },
  }));
  for (const v of pod.spec?.volumes ?? []) if (!claims.has(v.name)) volumes.push(v);
  return volumes;
}

/** updateIdentity: name, namespace, pod-name and pod-index labels. */
export function withIdentity(set: StatefulSet, pod: Pod): Pod {
  const ordinal = getOrdinal(pod);
  const name = podName(set, ordinal);
  return {
    ...pod,
    metadata: {
      ...pod.metadata, name, namespace: set.metadata.namespace,
      labels: { ...pod.metadata.labels, [LABELS.podName]: name, [LABELS.podIndex]: String(ordinal) },
    },
  };
}

/** The pod template stored in a revision (ApplyRevision: the patch replaces the whole template). */
export function revisionTemplate(revision: ControllerRevision): PodTemplate {
  const data = revision.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const { $patch: _p, ...template } = data?.spec?.template ?? {};
  return template as PodTemplate;
}

/** newStatefulSetPod + setPodRevision: template, identity, storage, revision label, controllerRef. */
export function newStatefulSetPod(set: StatefulSet, revision: ControllerRevision, ordinal: number): Pod {
  const tpl = structuredClone(revisionTemplate(revision));
  const name = podName(set, ordinal);
  const meta = tpl.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: set.metadata.namespace,
      labels: { ...meta.labels, [LABELS.revision]: revision.metadata.name ?? '' },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [setControllerRef(set)],
    },
    spec: { ...tpl.spec },
  };
  const withId = withIdentity(set, pod);
  // initIdentity: hostname and subdomain are set only at creation.
  withId.spec = { ...withId.spec, hostname: name, subdomain: set.spec.serviceName ?? '' };
  withId.spec.volumes = withStorage(set, withId);
  return withId;
}

/**
 * newVersionedStatefulSetPod: ordinals below the partition are (re)created at the current
 * revision, everything else at the update revision (Go precedence `A && B || C` kept).
 */
export function newVersionedPod(
  set: StatefulSet, current: ControllerRevision, update: ControllerRevision, ordinal: number,
): Pod {
  const ru = set.spec.updateStrategy?.rollingUpdate;
  const start = startOrdinal(set);
  const useCurrent =
    (strategyType(set) === STRATEGY.rollingUpdate && ru === undefined &&
      ordinal < start + (set.status?.currentReplicas ?? 0)) ||
    (ru !== undefined && ordinal < start + (ru.partition ?? 0));
  return newStatefulSetPod(set, useCurrent ? current : update, ordinal);
}
