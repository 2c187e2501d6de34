/**
 * @module A compact description of the served API types, written from the public k8s.io/api
 * field lists (core/v1, apps/v1, discovery/v1, coordination/v1, events/v1, autoscaling/v1,
 * meta/v1). OpenAPI documents, field validation and strategic-merge patch metadata are all
 * generated from this one table, so they can never disagree.
 *
 * Field grammar: `T`, `[]T` (list), `{}T` (map of string → T), followed by optional flags:
 *   `merge=key`   patchStrategy merge with patchMergeKey key (x-kubernetes-patch-*)
 *   `merge`       patchStrategy merge on a list of primitives (finalizers, podCIDRs)
 *   `retainKeys`  adds the retainKeys strategy (upstream: Volume sources, resource claims)
 * T is a primitive (string int32 int64 bool number time quantity intstr bytes), `any` (an
 * object whose fields are not checked, like upstream RawExtension; also used for rarely used
 * deep structs so that valid manifests are never rejected) or another type of this table.
 * Lists without `merge` are atomic, as upstream (e.g. tolerations, volumeClaimTemplates).
 */

import { POD_DETAIL_TYPES } from './schema-defs-pod.ts';
import type { FieldTable } from './schema-defs-pod.ts';

export type { FieldTable };

const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi',
  'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc',
  'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected',
  'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs',
  'fc', 'flocker', 'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk',
  'portworxVolume', 'scaleIO', 'local', 'storageos', 'csi',
];

function anyOf(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, 'any']));
}

const CONTAINER: FieldTable = {
  name: 'string', image: 'string', command: '[]string', args: '[]string', workingDir: 'string',
  ports: '[]ContainerPort merge=containerPort', envFrom: '[]EnvFromSource', env: '[]EnvVar merge=name',
  resources: 'ResourceRequirements', resizePolicy: '[]any', restartPolicy: 'string', restartPolicyRules: '[]any',
  volumeMounts: '[]VolumeMount merge=mountPath', volumeDevices: '[]any merge=devicePath',
  livenessProbe: 'Probe', readinessProbe: 'Probe', startupProbe: 'Probe', lifecycle: 'Lifecycle',
  terminationMessagePath: 'string', terminationMessagePolicy: 'string', imagePullPolicy: 'string',
  securityContext: 'SecurityContext', stdin: 'bool', stdinOnce: 'bool', tty: 'bool',
};

/** Type name → [definition package, fields]. */
export const TYPES: Readonly<Record<string, readonly [string, FieldTable]>> = {
  ObjectMeta: ['io.k8s.apimachinery.pkg.apis.meta.v1', {
    name: 'string', generateName: 'string', namespace: 'string', selfLink: 'string', uid: 'string',
    resourceVersion: 'string', generation: 'int64', creationTimestamp: 'time', deletionTimestamp: 'time',
    deletionGracePeriodSeconds: 'int64', labels: '{}string', annotations: '{}string',
    ownerReferences: '[]OwnerReference merge=uid', finalizers: '[]string merge', managedFields: '[]ManagedFieldsEntry',
  }],
  OwnerReference: ['io.k8s.apimachinery.pkg.apis.meta.v1', {
    apiVersion: 'string', kind: 'string', name: 'string', uid: 'string', controller: 'bool', blockOwnerDeletion: 'bool',
  }],
  ManagedFieldsEntry: ['io.k8s.apimachinery.pkg.apis.meta.v1', {
    manager: 'string', operation: 'string', apiVersion: 'string', time: 'time', fieldsType: 'string',
    fieldsV1: 'any', subresource: 'string',
  }],
  ListMeta: ['io.k8s.apimachinery.pkg.apis.meta.v1', {
    selfLink: 'string', resourceVersion: 'string', continue: 'string', remainingItemCount: 'int64', shardInfo: 'any',
  }],
  LabelSelector: ['io.k8s.apimachinery.pkg.apis.meta.v1', {
    matchLabels: '{}string', matchExpressions: '[]LabelSelectorRequirement',
  }],
  LabelSelectorRequirement: ['io.k8s.apimachinery.pkg.apis.meta.v1', { key: 'string', operator: 'string', values: '[]string' }],
  Condition: ['io.k8s.apimachinery.pkg.apis.meta.v1', {
    type: 'string', status: 'string', observedGeneration: 'int64', lastTransitionTime: 'time', reason: 'string', message: 'string',
  }],
  DeleteOptions: ['io.k8s.apimachinery.pkg.apis.meta.v1', {
    kind: 'string', apiVersion: 'string', gracePeriodSeconds: 'int64', preconditions: 'Preconditions',
    orphanDependents: 'bool', propagationPolicy: 'string', dryRun: '[]string',
    ignoreStoreReadErrorWithClusterBreakingPotential: 'bool',
  }],
  Preconditions: ['io.k8s.apimachinery.pkg.apis.meta.v1', { uid: 'string', resourceVersion: 'string' }],
  Status: ['io.k8s.apimachinery.pkg.apis.meta.v1', {
    kind: 'string', apiVersion: 'string', metadata: 'ListMeta', status: 'string', message: 'string', reason: 'string',
    details: 'any', code: 'int32',
  }],
  Pod: ['io.k8s.api.core.v1', { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'PodSpec', status: 'PodStatus' }],
  PodTemplateSpec: ['io.k8s.api.core.v1', { metadata: 'ObjectMeta', spec: 'PodSpec' }],
  PodSpec: ['io.k8s.api.core.v1', {
    volumes: '[]Volume merge=name retainKeys', initContainers: '[]Container merge=name', containers: '[]Container merge=name',
    ephemeralContainers: '[]EphemeralContainer merge=name', restartPolicy: 'string', terminationGracePeriodSeconds: 'int64',
    activeDeadlineSeconds: 'int64', dnsPolicy: 'string', nodeSelector: '{}string', serviceAccountName: 'string',
    serviceAccount: 'string', automountServiceAccountToken: 'bool', nodeName: 'string', hostNetwork: 'bool',
    hostPID: 'bool', hostIPC: 'bool', shareProcessNamespace: 'bool', securityContext: 'PodSecurityContext',
    imagePullSecrets: '[]LocalObjectReference merge=name', hostname: 'string', subdomain: 'string', affinity: 'Affinity',
    schedulerName: 'string', tolerations: '[]Toleration', hostAliases: '[]HostAlias merge=ip', priorityClassName: 'string',
    priority: 'int32', dnsConfig: 'PodDNSConfig', readinessGates: '[]PodReadinessGate', runtimeClassName: 'string',
    enableServiceLinks: 'bool', preemptionPolicy: 'string', overhead: '{}quantity',
    topologySpreadConstraints: '[]TopologySpreadConstraint merge=topologyKey', setHostnameAsFQDN: 'bool', os: 'any',
    hostUsers: 'bool', schedulingGates: '[]PodSchedulingGate merge=name', resourceClaims: '[]PodResourceClaim merge=name retainKeys',
    resources: 'ResourceRequirements', hostnameOverride: 'string', schedulingGroup: 'any',
  }],
  Container: ['io.k8s.api.core.v1', CONTAINER],
  EphemeralContainer: ['io.k8s.api.core.v1', { ...CONTAINER, targetContainerName: 'string' }],
  ContainerPort: ['io.k8s.api.core.v1', { name: 'string', hostPort: 'int32', containerPort: 'int32', protocol: 'string', hostIP: 'string' }],
  EnvVar: ['io.k8s.api.core.v1', { name: 'string', value: 'string', valueFrom: 'EnvVarSource' }],
  ResourceRequirements: ['io.k8s.api.core.v1', { limits: '{}quantity', requests: '{}quantity', claims: '[]any' }],
  VolumeResourceRequirements: ['io.k8s.api.core.v1', { limits: '{}quantity', requests: '{}quantity' }],
  VolumeMount: ['io.k8s.api.core.v1', {
    name: 'string', readOnly: 'bool', recursiveReadOnly: 'string', mountPath: 'string', subPath: 'string',
    mountPropagation: 'string', subPathExpr: 'string',
  }],
  Probe: ['io.k8s.api.core.v1', {
    exec: 'ExecAction', httpGet: 'HTTPGetAction', tcpSocket: 'any', grpc: 'any', initialDelaySeconds: 'int32',
    timeoutSeconds: 'int32', periodSeconds: 'int32', successThreshold: 'int32', failureThreshold: 'int32',
    terminationGracePeriodSeconds: 'int64',
  }],
  HTTPGetAction: ['io.k8s.api.core.v1', { path: 'string', port: 'intstr', host: 'string', scheme: 'string', httpHeaders: '[]any' }],
  Volume: ['io.k8s.api.core.v1', {
    name: 'string', ...anyOf(VOLUME_SOURCES), secret: 'SecretVolumeSource', configMap: 'ConfigMapVolumeSource',
    downwardAPI: 'DownwardAPIVolumeSource', projected: 'ProjectedVolumeSource', csi: 'CSIVolumeSource',
    ephemeral: 'EphemeralVolumeSource', iscsi: 'ISCSIVolumeSource', rbd: 'RBDVolumeSource', cephfs: 'CephFSVolumeSource',
    flexVolume: 'FlexVolumeSource',
  }],
  ...POD_DETAIL_TYPES,
  LocalObjectReference: ['io.k8s.api.core.v1', { name: 'string' }],
  Toleration: ['io.k8s.api.core.v1', { key: 'string', operator: 'string', value: 'string', effect: 'string', tolerationSeconds: 'int64' }],
  HostAlias: ['io.k8s.api.core.v1', { ip: 'string', hostnames: '[]string' }],
  PodReadinessGate: ['io.k8s.api.core.v1', { conditionType: 'string' }],
  TopologySpreadConstraint: ['io.k8s.api.core.v1', {
    maxSkew: 'int32', topologyKey: 'string', whenUnsatisfiable: 'string', labelSelector: 'LabelSelector',
    minDomains: 'int32', nodeAffinityPolicy: 'string', nodeTaintsPolicy: 'string', matchLabelKeys: '[]string',
  }],
  PodSchedulingGate: ['io.k8s.api.core.v1', { name: 'string' }],
  PodResourceClaim: ['io.k8s.api.core.v1', { name: 'string', resourceClaimName: 'string', resourceClaimTemplateName: 'string' }],
  PodStatus: ['io.k8s.api.core.v1', {
    observedGeneration: 'int64', phase: 'string', conditions: '[]PodCondition merge=type', message: 'string',
    reason: 'string', nominatedNodeName: 'string', hostIP: 'string', hostIPs: '[]HostIP merge=ip', podIP: 'string',
    podIPs: '[]PodIP merge=ip', startTime: 'time', initContainerStatuses: '[]ContainerStatus',
    containerStatuses: '[]ContainerStatus', qosClass: 'string', ephemeralContainerStatuses: '[]ContainerStatus',
    resize: 'string', resourceClaimStatuses: '[]any merge=name retainKeys', extendedResourceClaimStatus: 'any',
    allocatedResources: '{}quantity', resources: 'ResourceRequirements', nodeAllocatableResourceClaimStatuses: '[]any',
  }],
  PodCondition: ['io.k8s.api.core.v1', {
    type: 'string', observedGeneration: 'int64', status: 'string', lastProbeTime: 'time', lastTransitionTime: 'time',
    reason: 'string', message: 'string',
  }],
  HostIP: ['io.k8s.api.core.v1', { ip: 'string' }],
  PodIP: ['io.k8s.api.core.v1', { ip: 'string' }],
  ContainerStatus: ['io.k8s.api.core.v1', {
    name: 'string', state: 'ContainerState', lastState: 'ContainerState', ready: 'bool', restartCount: 'int32',
    image: 'string', imageID: 'string', containerID: 'string', started: 'bool', allocatedResources: '{}quantity',
    resources: 'any', volumeMounts: '[]any merge=mountPath', user: 'any', allocatedResourcesStatus: '[]any merge=name', stopSignal: 'string',
  }],
  ContainerState: ['io.k8s.api.core.v1', {
    waiting: 'ContainerStateWaiting', running: 'ContainerStateRunning', terminated: 'ContainerStateTerminated',
  }],
  ContainerStateWaiting: ['io.k8s.api.core.v1', { reason: 'string', message: 'string' }],
  ContainerStateRunning: ['io.k8s.api.core.v1', { startedAt: 'time' }],
  ContainerStateTerminated: ['io.k8s.api.core.v1', {
    exitCode: 'int32', signal: 'int32', reason: 'string', message: 'string', startedAt: 'time', finishedAt: 'time',
    containerID: 'string',
  }],
  Binding: ['io.k8s.api.core.v1', { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', target: 'ObjectReference' }],
  ObjectReference: ['io.k8s.api.core.v1', {
    kind: 'string', namespace: 'string', name: 'string', uid: 'string', apiVersion: 'string',
    resourceVersion: 'string', fieldPath: 'string',
  }],
  Service: ['io.k8s.api.core.v1', { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'ServiceSpec', status: 'ServiceStatus' }],
  ServiceSpec: ['io.k8s.api.core.v1', {
    ports: '[]ServicePort merge=port', selector: '{}string', clusterIP: 'string', clusterIPs: '[]string', type: 'string',
    externalIPs: '[]string', sessionAffinity: 'string', loadBalancerIP: 'string', loadBalancerSourceRanges: '[]string',
    externalName: 'string', externalTrafficPolicy: 'string', healthCheckNodePort: 'int32',
    publishNotReadyAddresses: 'bool', sessionAffinityConfig: 'SessionAffinityConfig', ipFamilies: '[]string', ipFamilyPolicy: 'string',
    allocateLoadBalancerNodePorts: 'bool', loadBalancerClass: 'string', internalTrafficPolicy: 'string',
    trafficDistribution: 'string',
  }],
  SessionAffinityConfig: ['io.k8s.api.core.v1', { clientIP: 'any' }],
  ServicePort: ['io.k8s.api.core.v1', {
    name: 'string', protocol: 'string', appProtocol: 'string', port: 'int32', targetPort: 'intstr', nodePort: 'int32',
  }],
  ServiceStatus: ['io.k8s.api.core.v1', { loadBalancer: 'any', conditions: '[]Condition merge=type' }],
  PersistentVolumeClaim: ['io.k8s.api.core.v1', {
    apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'PersistentVolumeClaimSpec', status: 'PersistentVolumeClaimStatus',
  }],
  PersistentVolumeClaimSpec: ['io.k8s.api.core.v1', {
    accessModes: '[]string', selector: 'LabelSelector', resources: 'VolumeResourceRequirements', volumeName: 'string',
    storageClassName: 'string', volumeMode: 'string', dataSource: 'any', dataSourceRef: 'any', volumeAttributesClassName: 'string',
  }],
  PersistentVolumeClaimStatus: ['io.k8s.api.core.v1', {
    phase: 'string', accessModes: '[]string', capacity: '{}quantity', conditions: '[]PersistentVolumeClaimCondition merge=type',
    allocatedResources: '{}quantity', allocatedResourceStatuses: '{}string', currentVolumeAttributesClassName: 'string',
    modifyVolumeStatus: 'any',
  }],
  PersistentVolumeClaimCondition: ['io.k8s.api.core.v1', {
    type: 'string', status: 'string', lastProbeTime: 'time', lastTransitionTime: 'time', reason: 'string', message: 'string',
  }],
  PersistentVolume: ['io.k8s.api.core.v1', {
    apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'PersistentVolumeSpec', status: 'PersistentVolumeStatus',
  }],
  PersistentVolumeSpec: ['io.k8s.api.core.v1', {
    capacity: '{}quantity', ...anyOf(PV_SOURCES), csi: 'CSIPersistentVolumeSource', iscsi: 'ISCSIVolumeSource',
    rbd: 'RBDVolumeSource', cephfs: 'CephFSVolumeSource', flexVolume: 'FlexVolumeSource', fc: 'FCVolumeSource',
    cinder: 'CinderVolumeSource', scaleIO: 'ScaleIOVolumeSource', storageos: 'StorageOSVolumeSource',
    accessModes: '[]string', claimRef: 'ObjectReference',
    persistentVolumeReclaimPolicy: 'string', storageClassName: 'string', mountOptions: '[]string', volumeMode: 'string',
    nodeAffinity: 'VolumeNodeAffinity', volumeAttributesClassName: 'string',
  }],
  PersistentVolumeStatus: ['io.k8s.api.core.v1', { phase: 'string', message: 'string', reason: 'string', lastPhaseTransitionTime: 'time' }],
  Node: ['io.k8s.api.core.v1', { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'NodeSpec', status: 'NodeStatus' }],
  NodeSpec: ['io.k8s.api.core.v1', {
    podCIDR: 'string', podCIDRs: '[]string merge', providerID: 'string', unschedulable: 'bool', taints: '[]Taint',
    configSource: 'any', externalID: 'string',
  }],
  Taint: ['io.k8s.api.core.v1', { key: 'string', value: 'string', effect: 'string', timeAdded: 'time' }],
  NodeStatus: ['io.k8s.api.core.v1', {
    capacity: '{}quantity', allocatable: '{}quantity', phase: 'string', conditions: '[]NodeCondition merge=type',
    addresses: '[]NodeAddress merge=type', daemonEndpoints: 'any', nodeInfo: 'any', images: '[]any',
    volumesInUse: '[]string', volumesAttached: '[]any', config: 'any', runtimeHandlers: '[]any', features: 'any',
    declaredFeatures: '[]string',
  }],
  NodeCondition: ['io.k8s.api.core.v1', {
    type: 'string', status: 'string', lastHeartbeatTime: 'time', lastTransitionTime: 'time', reason: 'string', message: 'string',
  }],
  NodeAddress: ['io.k8s.api.core.v1', { type: 'string', address: 'string' }],
  Namespace: ['io.k8s.api.core.v1', { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'NamespaceSpec', status: 'NamespaceStatus' }],
  NamespaceSpec: ['io.k8s.api.core.v1', { finalizers: '[]string' }],
  NamespaceStatus: ['io.k8s.api.core.v1', { phase: 'string', conditions: '[]NamespaceCondition merge=type' }],
  NamespaceCondition: ['io.k8s.api.core.v1', {
    type: 'string', status: 'string', lastTransitionTime: 'time', reason: 'string', message: 'string',
  }],
  Event: ['io.k8s.api.core.v1', {
    apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', involvedObject: 'ObjectReference', reason: 'string',
    message: 'string', source: 'EventSource', firstTimestamp: 'time', lastTimestamp: 'time', count: 'int32',
    type: 'string', eventTime: 'time', series: 'any', action: 'string', related: 'ObjectReference',
    reportingComponent: 'string', reportingInstance: 'string',
  }],
  EventSource: ['io.k8s.api.core.v1', { component: 'string', host: 'string' }],
  'events.Event': ['io.k8s.api.events.v1', {
    apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', eventTime: 'time', series: 'any',
    reportingController: 'string', reportingInstance: 'string', action: 'string', reason: 'string',
    regarding: 'ObjectReference', related: 'ObjectReference', note: 'string', type: 'string',
    deprecatedSource: 'EventSource', deprecatedFirstTimestamp: 'time', deprecatedLastTimestamp: 'time', deprecatedCount: 'int32',
  }],
  StatefulSet: ['io.k8s.api.apps.v1', {
    apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'StatefulSetSpec', status: 'StatefulSetStatus',
  }],
  StatefulSetSpec: ['io.k8s.api.apps.v1', {
    replicas: 'int32', selector: 'LabelSelector', template: 'PodTemplateSpec', volumeClaimTemplates: '[]PersistentVolumeClaim',
    serviceName: 'string', podManagementPolicy: 'string', updateStrategy: 'StatefulSetUpdateStrategy',
    revisionHistoryLimit: 'int32', minReadySeconds: 'int32',
    persistentVolumeClaimRetentionPolicy: 'StatefulSetPersistentVolumeClaimRetentionPolicy', ordinals: 'StatefulSetOrdinals',
  }],
  StatefulSetUpdateStrategy: ['io.k8s.api.apps.v1', { type: 'string', rollingUpdate: 'RollingUpdateStatefulSetStrategy' }],
  RollingUpdateStatefulSetStrategy: ['io.k8s.api.apps.v1', { partition: 'int32', maxUnavailable: 'intstr' }],
  StatefulSetPersistentVolumeClaimRetentionPolicy: ['io.k8s.api.apps.v1', { whenDeleted: 'string', whenScaled: 'string' }],
  StatefulSetOrdinals: ['io.k8s.api.apps.v1', { start: 'int32' }],
  StatefulSetStatus: ['io.k8s.api.apps.v1', {
    observedGeneration: 'int64', replicas: 'int32', readyReplicas: 'int32', currentReplicas: 'int32',
    updatedReplicas: 'int32', currentRevision: 'string', updateRevision: 'string', collisionCount: 'int32',
    conditions: '[]StatefulSetCondition merge=type', availableReplicas: 'int32',
  }],
  StatefulSetCondition: ['io.k8s.api.apps.v1', {
    type: 'string', status: 'string', lastTransitionTime: 'time', reason: 'string', message: 'string',
  }],
  ControllerRevision: ['io.k8s.api.apps.v1', {
    apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', data: 'any', revision: 'int64',
  }],
  EndpointSlice: ['io.k8s.api.discovery.v1', {
    apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', addressType: 'string', endpoints: '[]Endpoint',
    ports: '[]EndpointPort',
  }],
  Endpoint: ['io.k8s.api.discovery.v1', {
    addresses: '[]string', conditions: 'EndpointConditions', hostname: 'string', targetRef: 'ObjectReference',
    deprecatedTopology: '{}string', nodeName: 'string', zone: 'string', hints: 'any',
  }],
  EndpointConditions: ['io.k8s.api.discovery.v1', { ready: 'bool', serving: 'bool', terminating: 'bool' }],
  EndpointPort: ['io.k8s.api.discovery.v1', { name: 'string', protocol: 'string', port: 'int32', appProtocol: 'string' }],
  Lease: ['io.k8s.api.coordination.v1', { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'LeaseSpec' }],
  LeaseSpec: ['io.k8s.api.coordination.v1', {
    holderIdentity: 'string', leaseDurationSeconds: 'int32', acquireTime: 'time', renewTime: 'time',
    leaseTransitions: 'int32', strategy: 'string', preferredHolder: 'string',
  }],
  Scale: ['io.k8s.api.autoscaling.v1', { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'ScaleSpec', status: 'ScaleStatus' }],
  ScaleSpec: ['io.k8s.api.autoscaling.v1', { replicas: 'int32' }],
  ScaleStatus: ['io.k8s.api.autoscaling.v1', { replicas: 'int32', selector: 'string' }],
};
