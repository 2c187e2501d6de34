/**
 * @module Plain-data shapes of the API objects the controller reads and writes.
 * These follow the JSON wire format of core/v1, apps/v1 and coordination.k8s.io/v1 and keep only
 * the fields the controller looks at; everything else rides along in index signatures so a pod
 * built from a template keeps every field the user wrote.
 */

/** RFC 3339 string on the wire; `@kubernetes/client-node` may hand us a Date instead. */
export type Timestamp = string | Date;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  creationTimestamp?: Timestamp | null;
  deletionTimestamp?: Timestamp | null;
  [field: string]: unknown;
}

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: Timestamp | null;
  [field: string]: unknown;
}

export interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  [field: string]: unknown;
}

export interface PodSpec {
  hostname?: string;
  subdomain?: string;
  volumes?: Volume[];
  [field: string]: unknown;
}

export interface PodStatus {
  phase?: string;
  conditions?: PodCondition[];
  [field: string]: unknown;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: PodSpec;
  status?: PodStatus;
}

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface PersistentVolumeClaim {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface RollingUpdate {
  partition?: number;
  maxUnavailable?: number | string;
}

export interface StatefulSetSpec {
  replicas?: number;
  selector: LabelSelector;
  serviceName?: string;
  template: PodTemplate;
  volumeClaimTemplates?: PersistentVolumeClaim[];
  podManagementPolicy?: string;
  updateStrategy?: { type?: string; rollingUpdate?: RollingUpdate };
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  ordinals?: { start?: number };
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: unknown[];
}

export interface StatefulSet {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: StatefulSetSpec;
  status?: StatefulSetStatus;
}

export interface ControllerRevision {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  data?: unknown;
  revision: number;
}

/** Well-known label keys (k8s.io/api apps/v1 constants). */
export const LABELS = {
  podName: 'statefulset.kubernetes.io/pod-name',
  podIndex: 'apps.kubernetes.io/pod-index',
  revision: 'controller-revision-hash',
  revisionHash: 'controller.kubernetes.io/hash',
} as const;

export const POLICY = { orderedReady: 'OrderedReady', parallel: 'Parallel' } as const;
export const STRATEGY = { rollingUpdate: 'RollingUpdate', onDelete: 'OnDelete' } as const;
export const RETENTION = { retain: 'Retain', delete: 'Delete' } as const;
