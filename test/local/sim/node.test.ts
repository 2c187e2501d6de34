import type { V1Lease, V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  LOST_ANNOTATION,
  UNREACHABLE_TAINT,
  isLost,
  nodeHealth,
  nodeLoad,
  nodeLostPodStatus,
  nodeManifest,
  nodeStatus,
  pickNode,
  reconcileTaints,
  unknownConditions,
} from '../../../src/local/sim/node.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function node(heartbeat?: number, extra: Partial<V1Node> = {}): V1Node {
  const n: V1Node = { ...nodeManifest('node-0', '10.244.0.0/24'), ...extra };
  n.metadata = { ...n.metadata, creationTimestamp: new Date(T0) };
  if (heartbeat !== undefined) n.status = JSON.parse(JSON.stringify(nodeStatus('node-0', '172.18.0.2', undefined, heartbeat))) as V1Node['status'];
  return n;
}
const lease = (renew: number): V1Lease => ({ spec: { renewTime: iso(renew) as unknown as Date } });

describe('node registration and status', () => {
  it('carries the pod CIDR, addresses, kubelet version and a Ready condition', () => {
    const n = node(T0);
    expect(n.spec).toEqual({ podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] });
    expect(n.status?.addresses).toContainEqual({ type: 'InternalIP', address: '172.18.0.2' });
    expect(n.status?.nodeInfo?.kubeletVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(n.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
  });

  it('keeps lastTransitionTime across heartbeats and refreshes lastHeartbeatTime', () => {
    const s = nodeStatus('node-0', '172.18.0.2', node(T0), T0 + 10_000) as { conditions: { type: string; lastHeartbeatTime: string; lastTransitionTime: string }[] };
    const ready = s.conditions.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ lastHeartbeatTime: '2026-01-01T00:00:10Z', lastTransitionTime: '2026-01-01T00:00:00Z' });
  });

  it.each([
    [{ [LOST_ANNOTATION]: 'true' }, true],
    [{ [LOST_ANNOTATION]: 'false' }, false],
    [undefined, false],
  ])('isLost(%j) = %s', (annotations, want) => {
    expect(isLost({ metadata: annotations ? { annotations } : {} })).toBe(want);
  });
});

describe('nodeHealth', () => {
  it.each([
    { name: 'fresh status', hb: T0, lease: undefined, now: T0 + 1000, want: 'healthy' },
    { name: 'status older than grace', hb: T0, lease: undefined, now: T0 + 1001, want: 'unknown' },
    { name: 'lease keeps it alive', hb: T0, lease: T0 + 900, now: T0 + 1500, want: 'healthy' },
    { name: 'both stale', hb: T0, lease: T0 + 100, now: T0 + 1200, want: 'unknown' },
    { name: 'never posted: counts from creation', hb: undefined, lease: undefined, now: T0 + 2000, want: 'unknown' },
    { name: 'never posted, just created', hb: undefined, lease: undefined, now: T0 + 10, want: 'healthy' },
  ])('$name → $want', ({ hb, lease: l, now, want }) => {
    expect(nodeHealth(node(hb), l === undefined ? undefined : lease(l), now, 1000)).toBe(want);
  });
});

describe('unknown node', () => {
  it('all conditions become Unknown with the upstream reason and message', () => {
    const conds = unknownConditions(node(T0), T0 + 50_000);
    expect(conds.length).toBe(4);
    for (const c of conds) expect(c).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: '2026-01-01T00:00:50Z' });
  });

  it('a node that never posted status gets the "never updated" wording', () => {
    const conds = unknownConditions(node(), T0);
    expect(conds.map((c) => c.type)).toEqual(['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']);
    for (const c of conds) expect(c).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
  });

  it.each([
    { name: 'adds the unreachable taint', health: 'unknown', taints: undefined, ready: true, want: [UNREACHABLE_TAINT] },
    { name: 'no change when already tainted', health: 'unknown', taints: [UNREACHABLE_TAINT], ready: false, want: undefined },
    { name: 'removes it once Ready again', health: 'healthy', taints: ['other', UNREACHABLE_TAINT], ready: true, want: ['other'] },
    { name: 'keeps it while the status is not Ready yet', health: 'healthy', taints: [UNREACHABLE_TAINT], ready: false, want: undefined },
    { name: 'nothing for a healthy untainted node', health: 'healthy', taints: undefined, ready: true, want: undefined },
  ] as const)('$name', ({ health, taints, ready, want }) => {
    const n = node(T0);
    if (taints) n.spec = { ...n.spec, taints: taints.map((key) => ({ key, effect: 'NoExecute' })) };
    if (!ready) n.status = { ...n.status, conditions: [{ type: 'Ready', status: 'Unknown' }] };
    const out = reconcileTaints(n, health, T0);
    expect(out?.map((t) => t.key)).toEqual(want);
  });

  it('marks a pod Unknown once, and NodeLost once it is being deleted, with the book message', () => {
    const p: V1Pod = { metadata: { name: 'kubia-0' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] } };
    const apply = (pod: V1Pod, s: Record<string, unknown> | undefined): V1Pod => {
      const status = { ...pod.status, ...(s as object) } as Record<string, unknown>;
      for (const k of Object.keys(status)) if (status[k] === null) delete status[k]; // merge patch
      return { ...pod, status: status as V1Pod['status'] };
    };
    const s = nodeLostPodStatus(p, 'node-1', T0);
    expect(s).toMatchObject({ phase: 'Unknown', reason: null, message: 'Node node-1 which was running pod kubia-0 is unresponsive' });
    const lost = apply(p, s);
    expect(lost.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(lost.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    expect(nodeLostPodStatus(lost, 'node-1', T0 + 1)).toBeUndefined();
    const deleted: V1Pod = { ...lost, metadata: { ...lost.metadata, deletionTimestamp: new Date(T0 + 2) } };
    const s2 = nodeLostPodStatus(deleted, 'node-1', T0 + 2);
    expect(s2).toMatchObject({ phase: 'Unknown', reason: 'NodeLost' });
    expect(nodeLostPodStatus(apply(deleted, s2), 'node-1', T0 + 3)).toBeUndefined();
    expect(nodeLostPodStatus({ ...p, status: { phase: 'Succeeded' } }, 'node-1', T0)).toBeUndefined();
  });
});

describe('pickNode', () => {
  const c = (name: string, o: Partial<{ ready: boolean; lost: boolean; unschedulable: boolean; maxPods: number }> = {}) => ({ name, ready: true, lost: false, unschedulable: false, ...o });
  it.each([
    { name: 'least loaded', nodes: [c('a'), c('b'), c('c')], load: { a: 2, b: 1, c: 3 }, want: 'b' },
    { name: 'tie by name', nodes: [c('b'), c('a')], load: {}, want: 'a' },
    { name: 'skips lost', nodes: [c('a', { lost: true }), c('b')], load: { b: 9 }, want: 'b' },
    { name: 'skips not ready', nodes: [c('a', { ready: false }), c('b')], load: { b: 9 }, want: 'b' },
    { name: 'skips cordoned', nodes: [c('a', { unschedulable: true }), c('b')], load: { b: 9 }, want: 'b' },
    { name: 'none usable', nodes: [c('a', { lost: true })], load: {}, want: undefined },
    { name: 'skips a full node (allocatable pods)', nodes: [c('a', { maxPods: 2 }), c('b', { maxPods: 110 })], load: { a: 2, b: 5 }, want: 'b' },
    { name: 'every node full: stays Pending', nodes: [c('a', { maxPods: 1 }), c('b', { maxPods: 1 })], load: { a: 1, b: 1 }, want: undefined },
  ])('$name', ({ nodes, load, want }) => {
    expect(pickNode(nodes, new Map(Object.entries(load)))).toBe(want);
  });

  it('nodeLoad counts bound, unfinished pods', () => {
    const pods: V1Pod[] = [
      { spec: { nodeName: 'a', containers: [] } },
      { spec: { nodeName: 'a', containers: [] }, status: { phase: 'Succeeded' } },
      { spec: { nodeName: 'b', containers: [] } },
      { spec: { containers: [] } },
    ];
    expect([...nodeLoad(pods)]).toEqual([['a', 1], ['b', 1]]);
  });
});
