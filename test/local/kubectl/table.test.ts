/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk deeply nested, untyped API JSON */
import { describe, expect, it } from 'vitest';
import { humanDuration } from '../../../src/local/kubectl/age.ts';
import { columnsOf, parseIncludeObject, toTable } from '../../../src/local/kubectl/table.ts';

const NOW = new Date('2026-05-23T15:00:00Z');
const ago = (s: number): string => new Date(NOW.getTime() - s * 1000).toISOString();

describe('humanDuration (upstream HumanDuration)', () => {
  it.each([
    [-3000, '<invalid>'], [-1500, '0s'], [0, '0s'], [59_000, '59s'], [119_000, '119s'], [120_000, '2m'],
    [125_000, '2m5s'], [600_000, '10m'], [179 * 60_000, '179m'], [3 * 3600_000, '3h'], [3 * 3600_000 + 60_000, '3h1m'],
    [8 * 3600_000, '8h'], [47 * 3600_000, '47h'], [48 * 3600_000, '2d'], [50 * 3600_000, '2d2h'], [8 * 86400_000, '8d'],
    [729 * 86400_000, '729d'], [730 * 86400_000, '2y'], [731 * 86400_000, '2y1d'], [8 * 365 * 86400_000, '8y'],
  ])('%d ms → %s', (ms, want) => expect(humanDuration(ms)).toBe(want));
});

function pod(over: { meta?: object; spec?: object; status?: object }): object {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'kubia-0', namespace: 'default', creationTimestamp: ago(900), ...over.meta },
    spec: { containers: [{ name: 'kubia', image: 'luksa/kubia-pet' }], ...over.spec },
    status: over.status ?? {},
  };
}
const running = { running: { startedAt: ago(800) } };

const podRows: { name: string; pod: object; ready: string; status: string; restarts: string }[] = [
  { name: 'just created, no status', pod: pod({ status: { phase: 'Pending' } }), ready: '0/1', status: 'Pending', restarts: '0' },
  { name: 'container creating', pod: pod({ status: { phase: 'Pending', containerStatuses: [{ name: 'kubia', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] } }),
    ready: '0/1', status: 'ContainerCreating', restarts: '0' },
  { name: 'running and ready', pod: pod({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'kubia', ready: true, restartCount: 0, state: running }] } }),
    ready: '1/1', status: 'Running', restarts: '0' },
  { name: 'running, not ready', pod: pod({ status: { phase: 'Running', containerStatuses: [{ name: 'kubia', ready: false, restartCount: 0, state: running }] } }),
    ready: '0/1', status: 'Running', restarts: '0' },
  { name: 'crash loop with restarts and last restart age', pod: pod({ status: { phase: 'Running', containerStatuses: [{ name: 'kubia', ready: false, restartCount: 4,
    state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(65) } } }] } }),
    ready: '0/1', status: 'CrashLoopBackOff', restarts: '4 (65s ago)' },
  { name: 'terminated without reason', pod: pod({ status: { phase: 'Failed', containerStatuses: [{ name: 'kubia', restartCount: 0, state: { terminated: { exitCode: 137 } } }] } }),
    ready: '0/1', status: 'ExitCode:137', restarts: '0' },
  { name: 'terminated by signal', pod: pod({ status: { phase: 'Failed', containerStatuses: [{ name: 'kubia', restartCount: 0, state: { terminated: { exitCode: 0, signal: 9 } } }] } }),
    ready: '0/1', status: 'Signal:9', restarts: '0' },
  { name: 'completed', pod: pod({ status: { phase: 'Succeeded', containerStatuses: [{ name: 'kubia', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } }),
    ready: '0/1', status: 'Completed', restarts: '0' },
  { name: 'init container running', pod: pod({ spec: { initContainers: [{ name: 'init' }, { name: 'init2' }] }, status: { phase: 'Pending',
    initContainerStatuses: [{ name: 'init', restartCount: 0, state: { terminated: { exitCode: 0 } } }, { name: 'init2', restartCount: 0, state: running }] } }),
    ready: '0/1', status: 'Init:1/2', restarts: '0' },
  { name: 'init container failed', pod: pod({ spec: { initContainers: [{ name: 'init' }] }, status: { phase: 'Pending',
    initContainerStatuses: [{ name: 'init', restartCount: 2, state: { terminated: { exitCode: 3 } } }] } }),
    ready: '0/1', status: 'Init:ExitCode:3', restarts: '2' },
  { name: 'init container waiting', pod: pod({ spec: { initContainers: [{ name: 'init' }] }, status: { phase: 'Pending',
    initContainerStatuses: [{ name: 'init', restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }] } }),
    ready: '0/1', status: 'Init:ImagePullBackOff', restarts: '0' },
  { name: 'sidecar counts in READY', pod: pod({ spec: { initContainers: [{ name: 'side', restartPolicy: 'Always' }] }, status: { phase: 'Running',
    conditions: [{ type: 'Initialized', status: 'True' }],
    initContainerStatuses: [{ name: 'side', started: true, ready: true, restartCount: 1, state: running }],
    containerStatuses: [{ name: 'kubia', ready: true, restartCount: 0, state: running }] } }),
    ready: '2/2', status: 'Running', restarts: '1' },
  { name: 'terminating (deletionTimestamp)', pod: pod({ meta: { deletionTimestamp: ago(-30) }, status: { phase: 'Running', containerStatuses: [{ name: 'kubia', ready: true, restartCount: 0, state: running }] } }),
    ready: '1/1', status: 'Terminating', restarts: '0' },
  { name: 'node lost and deleted → Unknown', pod: pod({ meta: { deletionTimestamp: ago(-30) }, status: { phase: 'Running', reason: 'NodeLost',
    message: 'Node node-1 which was running pod kubia-0 is unresponsive', containerStatuses: [{ name: 'kubia', ready: true, restartCount: 0, state: running }] } }),
    ready: '1/1', status: 'Unknown', restarts: '0' },
  { name: 'node lost, not yet deleted → reason', pod: pod({ status: { phase: 'Running', reason: 'NodeLost', containerStatuses: [{ name: 'kubia', ready: true, restartCount: 0, state: running }] } }),
    ready: '1/1', status: 'NodeLost', restarts: '0' },
  { name: 'evicted (status.reason)', pod: pod({ status: { phase: 'Failed', reason: 'Evicted' } }), ready: '0/1', status: 'Evicted', restarts: '0' },
  { name: 'terminal pod being deleted keeps its phase', pod: pod({ meta: { deletionTimestamp: ago(0) }, status: { phase: 'Succeeded' } }),
    ready: '0/1', status: 'Succeeded', restarts: '0' },
];

describe('toTable pods', () => {
  it('has the kube-apiserver pod columns, wide ones at priority 1', () => {
    expect(columnsOf('pods').map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1],
    ]);
  });
  it.each(podRows)('$name', ({ pod: p, ready, status, restarts }) => {
    const t = toTable('pods', [p], NOW);
    expect(t.rows[0]!.cells.slice(0, 5)).toEqual(['kubia-0', ready, status, restarts, '15m']);
  });
  it('fills the wide cells', () => {
    const p = pod({ spec: { nodeName: 'node-1', readinessGates: [{ conditionType: 'x/ok' }, { conditionType: 'x/no' }] },
      status: { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], conditions: [{ type: 'x/ok', status: 'True' }] } });
    expect(toTable('pods', [p], NOW).rows[0]!.cells.slice(5)).toEqual(['10.244.0.5', 'node-1', '<none>', '1/2']);
  });
  it('carries the object per includeObject, Metadata by default', () => {
    const p = pod({});
    expect(toTable('pods', [p], NOW).rows[0]!.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: (p as any).metadata });
    expect(toTable('pods', [p], NOW, { includeObject: 'Object' }).rows[0]!.object).toBe(p);
    expect(toTable('pods', [p], NOW, { includeObject: 'None' }).rows[0]).not.toHaveProperty('object');
    const t = toTable('pods', [], NOW, { listMeta: { resourceVersion: '42' }, noHeaders: true });
    expect(t).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '42' }, columnDefinitions: [], rows: [] });
  });
  it('parses includeObject', () => {
    expect(parseIncludeObject(undefined)).toBeUndefined();
    expect(parseIncludeObject('Object')).toBe('Object');
    expect(() => parseIncludeObject('All')).toThrow(/invalid includeObject/);
  });
});

const meta = (name: string, extra: object = {}): object => ({ name, creationTimestamp: ago(7200), ...extra });

const others: { resource: string; obj: object; cells: unknown[] }[] = [
  { resource: 'services', obj: { metadata: meta('kubia'), spec: { clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'kubia' }, ports: [{ port: 80, protocol: 'TCP' }] } },
    cells: ['kubia', 'ClusterIP', 'None', '<none>', '80/TCP', '120m', 'app=kubia'] },
  { resource: 'services', obj: { metadata: meta('np'), spec: { type: 'NodePort', clusterIP: '10.0.0.9', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } },
    cells: ['np', 'NodePort', '10.0.0.9', '<none>', '80:30080/TCP,53/UDP', '120m', '<none>'] },
  { resource: 'services', obj: { metadata: meta('lb'), spec: { type: 'LoadBalancer', clusterIP: '10.0.0.8', ports: [] } },
    cells: ['lb', 'LoadBalancer', '10.0.0.8', '<pending>', '<none>', '120m', '<none>'] },
  { resource: 'statefulsets', obj: { metadata: meta('kubia'), spec: { replicas: 3, template: { spec: { containers: [{ name: 'kubia', image: 'luksa/kubia-pet' }] } } }, status: { readyReplicas: 2 } },
    cells: ['kubia', '2/3', '120m', 'kubia', 'luksa/kubia-pet'] },
  { resource: 'statefulsets.apps', obj: { metadata: meta('x'), spec: { template: { spec: { containers: [] } } } }, cells: ['x', '0/1', '120m', '', ''] },
  { resource: 'controllerrevisions', obj: { metadata: meta('kubia-5b9f', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'kubia', controller: true }] }), revision: 2 },
    cells: ['kubia-5b9f', 'statefulset.apps/kubia', 2, '120m'] },
  { resource: 'persistentvolumeclaims', obj: { metadata: meta('data-kubia-0'), spec: { volumeName: 'pv-a', accessModes: ['ReadWriteOnce'] }, status: { phase: 'Bound', capacity: { storage: '1Mi' }, accessModes: ['ReadWriteOnce'] } },
    cells: ['data-kubia-0', 'Bound', 'pv-a', '1Mi', 'RWO', '', '<unset>', '120m', '<unset>'] },
  { resource: 'persistentvolumeclaims', obj: { metadata: meta('data-kubia-3'), spec: { storageClassName: 'fast' }, status: { phase: 'Pending' } },
    cells: ['data-kubia-3', 'Pending', '', '', '', 'fast', '<unset>', '120m', '<unset>'] },
  { resource: 'persistentvolumes', obj: { metadata: meta('pv-a'), spec: { capacity: { storage: '1Mi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], persistentVolumeReclaimPolicy: 'Recycle',
    claimRef: { namespace: 'default', name: 'data-kubia-0' } }, status: { phase: 'Bound' } },
    cells: ['pv-a', '1Mi', 'RWO,ROX', 'Recycle', 'Bound', 'default/data-kubia-0', '', '<unset>', '', '120m', '<unset>'] },
  { resource: 'nodes', obj: { metadata: meta('node-1', { labels: { 'node-role.kubernetes.io/control-plane': '' } }), status: { conditions: [{ type: 'Ready', status: 'True' }],
    addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], nodeInfo: { kubeletVersion: 'v1.36.3', osImage: 'ordinal', kernelVersion: '6.1', containerRuntimeVersion: 'sim://1', architecture: 'amd64' } } },
    cells: ['node-1', 'Ready', 'control-plane', '120m', 'v1.36.3', '10.0.0.1', '<none>', 'ordinal', '6.1 (amd64)', 'sim://1'] },
  { resource: 'nodes', obj: { metadata: meta('node-2'), spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } },
    cells: ['node-2', 'NotReady,SchedulingDisabled', '<none>', '120m', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'] },
  { resource: 'nodes', obj: { metadata: meta('node-3'), status: { nodeInfo: { architecture: 'arm64' } } },
    cells: ['node-3', 'Unknown', '<none>', '120m', '', '<none>', '<none>', '<unknown>', '<unknown> (arm64)', '<unknown>'] },
  { resource: 'namespaces', obj: { metadata: meta('default'), status: { phase: 'Active' } }, cells: ['default', 'Active', '120m'] },
  { resource: 'endpointslices', obj: { metadata: meta('kubia-abc'), addressType: 'IPv4', ports: [{ port: 8080 }],
    endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4'] }] },
    cells: ['kubia-abc', 'IPv4', '8080', '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...', '120m'] },
  { resource: 'endpointslices', obj: { metadata: meta('empty'), addressType: 'IPv4', ports: [], endpoints: [] }, cells: ['empty', 'IPv4', '<unset>', '<unset>', '120m'] },
  { resource: 'events', obj: { metadata: meta('kubia-0.1'), involvedObject: { kind: 'Pod', name: 'kubia-0', fieldPath: 'spec.containers{kubia}' }, reason: 'Started',
    message: ' Started container ', type: 'Normal', source: { component: 'kubelet', host: 'node-1' }, firstTimestamp: ago(300), lastTimestamp: ago(60), count: 3 },
    cells: ['60s', 'Normal', 'Started', 'pod/kubia-0', 'spec.containers{kubia}', 'kubelet, node-1', 'Started container', '5m', 3, 'kubia-0.1'] },
  { resource: 'events.events.k8s.io', obj: { metadata: meta('e2'), regarding: { kind: 'StatefulSet', name: 'kubia' }, reason: 'SuccessfulCreate', note: 'create Pod kubia-0',
    type: 'Normal', reportingController: 'statefulset-controller', eventTime: ago(30) },
    cells: ['30s', 'Normal', 'SuccessfulCreate', 'statefulset/kubia', '', 'statefulset-controller', 'create Pod kubia-0', '30s', 1, 'e2'] },
  { resource: 'leases', obj: { metadata: meta('ordinal'), spec: { holderIdentity: 'me' } }, cells: ['ordinal', 'me', '120m'] },
  { resource: 'widgets', obj: { metadata: { name: 'w' } }, cells: ['w', '<unknown>'] },
];

describe('toTable other resources', () => {
  it.each(others)('$resource $obj.metadata.name', ({ resource, obj, cells }) => {
    const t = toTable(resource, [obj], NOW);
    expect(t.columnDefinitions).toHaveLength(cells.length);
    expect(t.rows[0]!.cells).toEqual(cells);
  });
  it.each([
    ['persistentvolumeclaims', ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode']],
    ['statefulsets', ['Name', 'Ready', 'Age', 'Containers', 'Images']],
    ['nodes', ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime']],
  ])('%s columns', (resource, names) => expect(columnsOf(resource).map((c) => c.name)).toEqual(names));
});
