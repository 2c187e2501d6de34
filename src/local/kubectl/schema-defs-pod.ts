/**
 * @module Pod spec details for the type table (schema-defs.ts): volume sources with nested
 * lists, probes' and hooks' actions, security contexts, affinity and DNS config. These are
 * spelled out (not `any`) because kubectl's strategic-merge patch builder looks up the
 * schema of every nested map or list it diffs, and fails on an undeclared one.
 */

export type FieldTable = Readonly<Record<string, string>>;

export const POD_DETAIL_TYPES: Readonly<Record<string, readonly [string, FieldTable]>> = {
  KeyToPath: ['io.k8s.api.core.v1', { key: 'string', path: 'string', mode: 'int32' }],
  SecretVolumeSource: ['io.k8s.api.core.v1', { secretName: 'string', items: '[]KeyToPath', defaultMode: 'int32', optional: 'bool' }],
  ConfigMapVolumeSource: ['io.k8s.api.core.v1', { name: 'string', items: '[]KeyToPath', defaultMode: 'int32', optional: 'bool' }],
  DownwardAPIVolumeFile: ['io.k8s.api.core.v1', { path: 'string', fieldRef: 'any', resourceFieldRef: 'any', mode: 'int32' }],
  DownwardAPIVolumeSource: ['io.k8s.api.core.v1', { items: '[]DownwardAPIVolumeFile', defaultMode: 'int32' }],
  DownwardAPIProjection: ['io.k8s.api.core.v1', { items: '[]DownwardAPIVolumeFile' }],
  SecretProjection: ['io.k8s.api.core.v1', { name: 'string', items: '[]KeyToPath', optional: 'bool' }],
  ConfigMapProjection: ['io.k8s.api.core.v1', { name: 'string', items: '[]KeyToPath', optional: 'bool' }],
  VolumeProjection: ['io.k8s.api.core.v1', {
    secret: 'SecretProjection', downwardAPI: 'DownwardAPIProjection', configMap: 'ConfigMapProjection',
    serviceAccountToken: 'any', clusterTrustBundle: 'ClusterTrustBundleProjection', podCertificate: 'any',
  }],
  ClusterTrustBundleProjection: ['io.k8s.api.core.v1', {
    name: 'string', signerName: 'string', labelSelector: 'LabelSelector', optional: 'bool', path: 'string',
  }],
  ProjectedVolumeSource: ['io.k8s.api.core.v1', { sources: '[]VolumeProjection', defaultMode: 'int32' }],
  CSIVolumeSource: ['io.k8s.api.core.v1', {
    driver: 'string', readOnly: 'bool', fsType: 'string', volumeAttributes: '{}string', nodePublishSecretRef: 'LocalObjectReference',
  }],
  EphemeralVolumeSource: ['io.k8s.api.core.v1', { volumeClaimTemplate: 'PersistentVolumeClaimTemplate' }],
  PersistentVolumeClaimTemplate: ['io.k8s.api.core.v1', { metadata: 'ObjectMeta', spec: 'PersistentVolumeClaimSpec' }],
  ISCSIVolumeSource: ['io.k8s.api.core.v1', {
    targetPortal: 'string', iqn: 'string', lun: 'int32', iscsiInterface: 'string', fsType: 'string', readOnly: 'bool',
    portals: '[]string', chapAuthDiscovery: 'bool', chapAuthSession: 'bool', secretRef: 'any', initiatorName: 'string',
  }],
  RBDVolumeSource: ['io.k8s.api.core.v1', {
    monitors: '[]string', image: 'string', fsType: 'string', pool: 'string', user: 'string', keyring: 'string',
    secretRef: 'any', readOnly: 'bool',
  }],
  CephFSVolumeSource: ['io.k8s.api.core.v1', {
    monitors: '[]string', path: 'string', user: 'string', secretFile: 'string', secretRef: 'any', readOnly: 'bool',
  }],
  FlexVolumeSource: ['io.k8s.api.core.v1', { driver: 'string', fsType: 'string', secretRef: 'any', readOnly: 'bool', options: '{}string' }],
  FCVolumeSource: ['io.k8s.api.core.v1', { targetWWNs: '[]string', lun: 'int32', fsType: 'string', readOnly: 'bool', wwids: '[]string' }],
  CinderVolumeSource: ['io.k8s.api.core.v1', { volumeID: 'string', fsType: 'string', readOnly: 'bool', secretRef: 'any' }],
  ScaleIOVolumeSource: ['io.k8s.api.core.v1', {
    gateway: 'string', system: 'string', secretRef: 'any', sslEnabled: 'bool', protectionDomain: 'string',
    storagePool: 'string', storageMode: 'string', volumeName: 'string', fsType: 'string', readOnly: 'bool',
  }],
  StorageOSVolumeSource: ['io.k8s.api.core.v1', { volumeName: 'string', volumeNamespace: 'string', fsType: 'string', readOnly: 'bool', secretRef: 'any' }],
  CSIPersistentVolumeSource: ['io.k8s.api.core.v1', {
    driver: 'string', volumeHandle: 'string', readOnly: 'bool', fsType: 'string', volumeAttributes: '{}string',
    controllerPublishSecretRef: 'any', nodeStageSecretRef: 'any', nodePublishSecretRef: 'any',
    controllerExpandSecretRef: 'any', nodeExpandSecretRef: 'any',
  }],
  // Each of these selectors holds only scalar fields, so `any` is safe for kubectl's patch builder.
  EnvVarSource: ['io.k8s.api.core.v1', {
    fieldRef: 'any', resourceFieldRef: 'any', configMapKeyRef: 'any', secretKeyRef: 'any', fileKeyRef: 'any',
  }],
  EnvFromSource: ['io.k8s.api.core.v1', { prefix: 'string', configMapRef: 'any', secretRef: 'any' }],
  ExecAction: ['io.k8s.api.core.v1', { command: '[]string' }],
  LifecycleHandler: ['io.k8s.api.core.v1', { exec: 'ExecAction', httpGet: 'HTTPGetAction', tcpSocket: 'any', sleep: 'any' }],
  Lifecycle: ['io.k8s.api.core.v1', { postStart: 'LifecycleHandler', preStop: 'LifecycleHandler', stopSignal: 'string' }],
  Capabilities: ['io.k8s.api.core.v1', { add: '[]string', drop: '[]string' }],
  SecurityContext: ['io.k8s.api.core.v1', {
    capabilities: 'Capabilities', privileged: 'bool', seLinuxOptions: 'any', windowsOptions: 'any', runAsUser: 'int64',
    runAsGroup: 'int64', runAsNonRoot: 'bool', readOnlyRootFilesystem: 'bool', allowPrivilegeEscalation: 'bool',
    procMount: 'string', seccompProfile: 'any', appArmorProfile: 'any',
  }],
  Sysctl: ['io.k8s.api.core.v1', { name: 'string', value: 'string' }],
  PodSecurityContext: ['io.k8s.api.core.v1', {
    seLinuxOptions: 'any', windowsOptions: 'any', runAsUser: 'int64', runAsGroup: 'int64', runAsNonRoot: 'bool',
    supplementalGroups: '[]int64', supplementalGroupsPolicy: 'string', fsGroup: 'int64', sysctls: '[]Sysctl',
    fsGroupChangePolicy: 'string', seccompProfile: 'any', appArmorProfile: 'any', seLinuxChangePolicy: 'string',
  }],
  PodDNSConfigOption: ['io.k8s.api.core.v1', { name: 'string', value: 'string' }],
  PodDNSConfig: ['io.k8s.api.core.v1', { nameservers: '[]string', searches: '[]string', options: '[]PodDNSConfigOption' }],
  NodeSelectorRequirement: ['io.k8s.api.core.v1', { key: 'string', operator: 'string', values: '[]string' }],
  NodeSelectorTerm: ['io.k8s.api.core.v1', { matchExpressions: '[]NodeSelectorRequirement', matchFields: '[]NodeSelectorRequirement' }],
  NodeSelector: ['io.k8s.api.core.v1', { nodeSelectorTerms: '[]NodeSelectorTerm' }],
  PreferredSchedulingTerm: ['io.k8s.api.core.v1', { weight: 'int32', preference: 'NodeSelectorTerm' }],
  NodeAffinity: ['io.k8s.api.core.v1', {
    requiredDuringSchedulingIgnoredDuringExecution: 'NodeSelector',
    preferredDuringSchedulingIgnoredDuringExecution: '[]PreferredSchedulingTerm',
  }],
  PodAffinityTerm: ['io.k8s.api.core.v1', {
    labelSelector: 'LabelSelector', namespaces: '[]string', topologyKey: 'string', namespaceSelector: 'LabelSelector',
    matchLabelKeys: '[]string', mismatchLabelKeys: '[]string',
  }],
  WeightedPodAffinityTerm: ['io.k8s.api.core.v1', { weight: 'int32', podAffinityTerm: 'PodAffinityTerm' }],
  PodAffinity: ['io.k8s.api.core.v1', {
    requiredDuringSchedulingIgnoredDuringExecution: '[]PodAffinityTerm',
    preferredDuringSchedulingIgnoredDuringExecution: '[]WeightedPodAffinityTerm',
  }],
  Affinity: ['io.k8s.api.core.v1', { nodeAffinity: 'NodeAffinity', podAffinity: 'PodAffinity', podAntiAffinity: 'PodAffinity' }],
  VolumeNodeAffinity: ['io.k8s.api.core.v1', { required: 'NodeSelector' }],
};
