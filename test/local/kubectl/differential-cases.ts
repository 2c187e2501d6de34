/**
 * Cases shared by the differential suite (test/e2e/kubectl.test.ts), which runs each one on a
 * real kube-apiserver 1.36 and through this project's pure modules and compares the results:
 * strategic merge patches, Table printing, and unknown-field detection.
 */

export interface PodCase {
  name: string;
  spec?: Record<string, unknown>;
  /** Written through the status subresource (merge patch), as a kubelet would. */
  status?: Record<string, unknown>;
  /** Request graceful deletion afterwards; with a nodeName the pod stays, Terminating. */
  remove?: boolean;
}

const started = (ago: number): string => new Date(Date.now() - ago * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const running = (): Record<string, unknown> => ({ running: { startedAt: started(60) } });

export const POD_CASES: PodCase[] = [
  { name: 'pending' },
  { name: 'creating', status: { phase: 'Pending', containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] } },
  { name: 'ready', status: { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: true, restartCount: 0, state: running() }] } },
  { name: 'crashloop', status: { phase: 'Running', containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: false, restartCount: 3,
    state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: started(30), startedAt: started(40) } } }] } },
  { name: 'exitcode', status: { phase: 'Failed', containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 137 } } }] } },
  { name: 'completed', status: { phase: 'Succeeded', containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } },
  { name: 'init-running', spec: { initContainers: [{ name: 'i1', image: 'x' }, { name: 'i2', image: 'x' }] },
    status: { phase: 'Pending', initContainerStatuses: [
      { name: 'i1', image: 'x', imageID: '', ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      { name: 'i2', image: 'x', imageID: '', ready: false, restartCount: 0, state: running() }] } },
  { name: 'init-failed', spec: { initContainers: [{ name: 'i1', image: 'x' }] },
    status: { phase: 'Pending', initContainerStatuses: [{ name: 'i1', image: 'x', imageID: '', ready: false, restartCount: 2, state: { terminated: { exitCode: 3 } } }] } },
  { name: 'sidecar', spec: { initContainers: [{ name: 's', image: 'x', restartPolicy: 'Always' }] },
    status: { phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
      initContainerStatuses: [{ name: 's', image: 'x', imageID: '', ready: true, started: true, restartCount: 1, state: running() }],
      containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: true, restartCount: 0, state: running() }] } },
  { name: 'gates', spec: { readinessGates: [{ conditionType: 'example.com/a' }, { conditionType: 'example.com/b' }] },
    status: { phase: 'Running', conditions: [{ type: 'example.com/a', status: 'True' }] } },
  { name: 'evicted', status: { phase: 'Failed', reason: 'Evicted', message: 'low on memory' } },
  { name: 'terminating', status: { phase: 'Running', containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: true, restartCount: 0, state: running() }] }, remove: true },
  { name: 'nodelost', status: { phase: 'Running', reason: 'NodeLost', message: 'Node node-0 which was running pod nodelost is unresponsive',
    containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: true, restartCount: 0, state: running() }] }, remove: true },
];

/** A StatefulSet every patch case starts from. */
export const STS_BASE = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', labels: { app: 'web', tier: 'x' }, finalizers: ['example.com/a', 'example.com/b'] },
  spec: {
    serviceName: 'web',
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'app', image: 'nginx:1', ports: [{ name: 'http', containerPort: 80 }, { name: 'm', containerPort: 9090 }],
            env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], volumeMounts: [{ name: 'cache', mountPath: '/cache' }] },
          { name: 'side', image: 'busybox', command: ['sleep', '3600'] },
        ],
        volumes: [{ name: 'cache', emptyDir: {} }],
        tolerations: [{ key: 'k', operator: 'Exists' }],
      },
    },
  },
};

export const PATCH_CASES: { name: string; patch: Record<string, unknown> }[] = [
  { name: 'scalar and label changes', patch: { metadata: { labels: { tier: null, env: 'prod' } }, spec: { replicas: 3 } } },
  { name: 'container image by merge key', patch: { spec: { template: { spec: { containers: [{ name: 'side', image: 'busybox:2' }] } } } } },
  { name: 'new container appended', patch: { spec: { template: { spec: { containers: [{ name: 'new', image: 'n' }] } } } } },
  { name: 'delete a container', patch: { spec: { template: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } } } } },
  { name: 'replace containers', patch: { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'solo', image: 's' }] } } } } },
  { name: 'ports and env merged, with order', patch: { spec: { template: { spec: { containers: [{ name: 'app',
    '$setElementOrder/env': [{ name: 'C' }, { name: 'A' }], env: [{ name: 'C', value: '3' }, { name: 'B', $patch: 'delete' }],
    ports: [{ containerPort: 8080, name: 'alt' }] }] } } } } },
  { name: 'reorder containers', patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }] } } } } },
  { name: 'retainKeys swaps a volume source', patch: { spec: { template: { spec: { volumes: [{ name: 'cache', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/tmp/c' } }] } } } } },
  { name: 'atomic tolerations', patch: { spec: { template: { spec: { tolerations: [{ key: 'other', operator: 'Exists' }] } } } } },
  { name: 'finalizers merge as a set', patch: { metadata: { finalizers: ['example.com/b', 'example.com/c'] } } },
  { name: 'finalizers in patch order', patch: { metadata: { finalizers: ['example.com/c', 'example.com/b', 'example.com/a'] } } },
  { name: 'new element among live ones', patch: { metadata: { finalizers: ['example.com/b', 'example.com/z'] } } },
  { name: 'patched live containers in reverse', patch: { spec: { template: { spec: { containers: [{ name: 'side', image: 's2' }, { name: 'app', image: 'a2' }] } } } } },
  { name: 'delete from finalizers', patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } } },
  { name: 'replace a map', patch: { spec: { template: { metadata: { labels: { $patch: 'replace', app: 'web', v: '2' } } } } } },
];

/** JSON merge patches (RFC 7386) and JSON patches (RFC 6902), as `kubectl patch --type merge|json` sends them. */
export const OTHER_PATCH_CASES: { name: string; type: 'merge' | 'json'; patch: unknown }[] = [
  { name: 'merge: lists replaced, nulls delete', type: 'merge', patch: { metadata: { labels: { tier: null } }, spec: { template: { spec: { containers: [{ name: 'only', image: 'o' }] } } } } },
  { name: 'merge: nested maps merge', type: 'merge', patch: { spec: { template: { metadata: { annotations: { a: 'b' } } }, replicas: 5 } } },
  { name: 'json: add, replace, remove, move, copy', type: 'json', patch: [
    { op: 'add', path: '/metadata/labels/new', value: 'v' }, { op: 'replace', path: '/spec/replicas', value: 7 },
    { op: 'remove', path: '/spec/template/spec/tolerations' }, { op: 'copy', from: '/spec/template/spec/containers/0/name', path: '/metadata/labels/first' },
    { op: 'move', from: '/metadata/labels/tier', path: '/metadata/labels/level' }, { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'z', image: 'z' } },
    { op: 'test', path: '/spec/serviceName', value: 'web' }] },
];

export const TYPO_CASES: { name: string; plural: string; path: string; obj: Record<string, unknown> }[] = [
  { name: 'pod container typo', plural: 'pods', path: '/api/v1/namespaces/NS/pods',
    obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 't1' }, spec: { containers: [{ name: 'c', image: 'x', imagePullPolicyy: 'Always' }] } } },
  { name: 'two typos at depth', plural: 'statefulsets', path: '/apis/apps/v1/namespaces/NS/statefulsets',
    obj: { ...STS_BASE, metadata: { name: 't2' }, spec: { ...STS_BASE.spec, replica: 2, template: { ...STS_BASE.spec.template,
      spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, protocoll: 'TCP' }] }] } } } } },
  { name: 'service port typo', plural: 'services', path: '/api/v1/namespaces/NS/services',
    obj: { apiVersion: 'v1', kind: 'Service', metadata: { name: 't3' }, spec: { ports: [{ port: 80, targetPortt: 8080 }], selectorr: {} } } },
  { name: 'typo inside a volume claim template and the pod template metadata', plural: 'statefulsets', path: '/apis/apps/v1/namespaces/NS/statefulsets',
    obj: { ...STS_BASE, metadata: { name: 't5' }, spec: { ...STS_BASE.spec, template: { ...STS_BASE.spec.template, metadata: { labels: { app: 'web' }, annotation: {} } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { request: { storage: '1Mi' } } } }] } } },
  { name: 'typos in probes, env and security context', plural: 'pods', path: '/api/v1/namespaces/NS/pods',
    obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 't6' }, spec: { securityContext: { runAsUserr: 1 }, containers: [{ name: 'c', image: 'x',
      env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } }, valu: 'x' }], livenessProbe: { httpGet: { port: 80, pth: '/' } } }] } } },
  { name: 'top-level typo', plural: 'persistentvolumes', path: '/api/v1/persistentvolumes',
    obj: { apiVersion: 'v1', kind: 'PersistentVolume', metdata: {}, metadata: { name: 't4' },
      spec: { capacity: { storage: '1Mi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/t4' } } } },
];
