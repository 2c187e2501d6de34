/**
 * @module Defaulting per kind, after k8s.io/kubernetes pkg/apis/{core,apps}/v1/defaults.go
 * (SetDefaults_Pod, SetDefaults_Container, SetDefaults_Service, SetDefaults_StatefulSet, ...).
 * Functions mutate a fresh copy the caller owns; they never see stored objects.
 */
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function setIfMissing(o: Any, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** `Always` for `:latest` or untagged images, else `IfNotPresent` (SetDefaults_Container). */
export function pullPolicyFor(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const tagAt = image.indexOf(':', lastSlash + 1);
  if (tagAt < 0) return 'Always';
  return image.slice(tagAt + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Any): void {
  setIfMissing(c, 'terminationMessagePath', '/dev/termination-log');
  setIfMissing(c, 'terminationMessagePolicy', 'File');
  setIfMissing(c, 'imagePullPolicy', pullPolicyFor(c.image));
  setIfMissing(c, 'resources', {});
  for (const p of c.ports ?? []) setIfMissing(p, 'protocol', 'TCP');
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (!probe) continue;
    setIfMissing(probe, 'timeoutSeconds', 1);
    setIfMissing(probe, 'periodSeconds', 10);
    setIfMissing(probe, 'successThreshold', 1);
    setIfMissing(probe, 'failureThreshold', 3);
    if (probe.httpGet) setIfMissing(probe.httpGet, 'scheme', 'HTTP');
  }
}

export function defaultPodSpec(spec: Any): void {
  setIfMissing(spec, 'restartPolicy', 'Always');
  setIfMissing(spec, 'terminationGracePeriodSeconds', 30);
  setIfMissing(spec, 'dnsPolicy', 'ClusterFirst');
  setIfMissing(spec, 'securityContext', {});
  setIfMissing(spec, 'schedulerName', 'default-scheduler');
  setIfMissing(spec, 'enableServiceLinks', true);
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) {
    for (const src of ['configMap', 'secret', 'downwardAPI', 'projected']) {
      if (v[src]) setIfMissing(v[src], 'defaultMode', 420);
    }
    if (v.hostPath) setIfMissing(v.hostPath, 'type', '');
  }
}

/** QoS class from requests/limits (pkg/apis/core/helper/qos): enough for BestEffort/Burstable/Guaranteed. */
function qosClass(spec: Any): string {
  const containers: Any[] = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function defaultPod(obj: Any): void {
  obj.spec ??= {};
  defaultPodSpec(obj.spec);
  obj.status = { phase: 'Pending', qosClass: qosClass(obj.spec) };
  // As the pod strategy's PrepareForCreate: a gated pod says why it is not scheduled (KEP-3521).
  if ((obj.spec.schedulingGates ?? []).length > 0) {
    obj.status.conditions = [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' }];
  }
}

export function defaultPvcSpec(spec: Any): void {
  setIfMissing(spec, 'volumeMode', 'Filesystem');
}

export function defaultStatefulSet(obj: Any): void {
  const spec: Any = (obj.spec ??= {});
  setIfMissing(spec, 'replicas', 1);
  setIfMissing(spec, 'podManagementPolicy', 'OrderedReady');
  setIfMissing(spec, 'updateStrategy', { type: 'RollingUpdate' });
  if (spec.updateStrategy.type === undefined) spec.updateStrategy.type = 'RollingUpdate';
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    setIfMissing(spec.updateStrategy.rollingUpdate, 'partition', 0);
    setIfMissing(spec.updateStrategy.rollingUpdate, 'maxUnavailable', 1);
  }
  setIfMissing(spec, 'revisionHistoryLimit', 10);
  setIfMissing(spec, 'persistentVolumeClaimRetentionPolicy', {});
  setIfMissing(spec.persistentVolumeClaimRetentionPolicy, 'whenDeleted', 'Retain');
  setIfMissing(spec.persistentVolumeClaimRetentionPolicy, 'whenScaled', 'Retain');
  spec.template ??= {};
  spec.template.spec ??= {};
  defaultPodSpec(spec.template.spec);
  for (const t of spec.volumeClaimTemplates ?? []) {
    setIfMissing(t, 'apiVersion', 'v1');
    setIfMissing(t, 'kind', 'PersistentVolumeClaim');
    t.spec ??= {};
    defaultPvcSpec(t.spec);
    t.status ??= { phase: 'Pending' };
  }
}

export function defaultServicePorts(spec: Any): void {
  for (const p of spec.ports ?? []) {
    setIfMissing(p, 'protocol', 'TCP');
    setIfMissing(p, 'targetPort', p.port);
  }
}

/** Service defaults except IP/port allocation, which needs cluster state (see services.ts). */
export function defaultService(obj: Any): void {
  const spec: Any = (obj.spec ??= {});
  setIfMissing(spec, 'type', 'ClusterIP');
  setIfMissing(spec, 'sessionAffinity', 'None');
  defaultServicePorts(spec);
  if (spec.type !== 'ExternalName') setIfMissing(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setIfMissing(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type === 'LoadBalancer') setIfMissing(spec, 'allocateLoadBalancerNodePorts', true);
}

export function defaultPersistentVolume(obj: Any): void {
  const spec: Any = (obj.spec ??= {});
  setIfMissing(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setIfMissing(spec, 'volumeMode', 'Filesystem');
  if (spec.hostPath) setIfMissing(spec.hostPath, 'type', '');
}

export function defaultEndpointSlice(obj: Any): void {
  for (const p of obj.ports ?? []) setIfMissing(p, 'protocol', 'TCP');
}
