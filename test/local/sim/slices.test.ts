import type { V1EndpointSlice, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { desiredGroups, endpointHostname, podToEndpoint, resolvePorts } from '../../../src/local/sim/endpoints.ts';
import { HEADLESS_LABEL, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, reconcileSlices, type SlicePlan } from '../../../src/local/sim/slices.ts';

function svc(over: Partial<NonNullable<V1Service['spec']>> = {}, name = 'kubia'): V1Service {
  return {
    metadata: { name, namespace: 'default', uid: 'svc-uid', labels: { app: 'kubia' } },
    spec: { clusterIP: 'None', selector: { app: 'kubia' }, ports: [{ name: 'http', port: 80, targetPort: 'web' as unknown as number }], ...over },
  };
}

interface PodOpts { ip?: string; ready?: boolean; terminating?: boolean; phase?: string; node?: string; subdomain?: string; ns?: string; labels?: Record<string, string> }
function pod(name: string, o: PodOpts = {}): V1Pod {
  return {
    metadata: { name, namespace: o.ns ?? 'default', uid: `uid-${name}`, labels: o.labels ?? { app: 'kubia' }, ...(o.terminating ? { deletionTimestamp: new Date() } : {}) },
    spec: { nodeName: o.node ?? 'node-0', hostname: name, subdomain: o.subdomain ?? 'kubia', containers: [{ name: 'c', ports: [{ name: 'web', containerPort: 8080 }] }] },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ip === undefined ? { podIP: `10.244.0.${name.length}`, podIPs: [{ ip: `10.244.0.${name.length}` }] } : o.ip ? { podIP: o.ip, podIPs: [{ ip: o.ip }] } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}
const nodes = new Map<string, V1Node>([['node-0', { metadata: { name: 'node-0', labels: { 'topology.kubernetes.io/zone': 'z1' } } }]]);

describe('podToEndpoint conditions', () => {
  it.each([
    { name: 'ready', o: {}, publish: false, want: { ready: true, serving: true, terminating: false } },
    { name: 'not ready', o: { ready: false }, publish: false, want: { ready: false, serving: false, terminating: false } },
    { name: 'terminating but ready', o: { terminating: true }, publish: false, want: { ready: false, serving: true, terminating: true } },
    { name: 'not ready, publishNotReadyAddresses', o: { ready: false }, publish: true, want: { ready: true, serving: false, terminating: false } },
    { name: 'terminating, publishNotReadyAddresses', o: { terminating: true, ready: false }, publish: true, want: { ready: true, serving: false, terminating: true } },
  ])('$name', ({ o, publish, want }) => {
    const ep = podToEndpoint(pod('kubia-0', o), svc({ publishNotReadyAddresses: publish }), nodes.get('node-0'), 'IPv4');
    expect(ep?.conditions).toEqual(want);
    expect(ep).toMatchObject({ hostname: 'kubia-0', nodeName: 'node-0', zone: 'z1', targetRef: { kind: 'Pod', name: 'kubia-0', namespace: 'default', uid: 'uid-kubia-0' } });
  });

  it.each([
    { name: 'subdomain matches', o: {}, want: 'kubia-0' },
    { name: 'other subdomain', o: { subdomain: 'other' }, want: undefined },
    { name: 'other namespace', o: { ns: 'x' }, want: undefined },
  ])('hostname: $name', ({ o, want }) => {
    expect(endpointHostname(pod('kubia-0', o), svc())).toBe(want);
  });
});

describe('desiredGroups', () => {
  it('keeps only selected pods with an IP that are not finished', () => {
    const pods = [pod('a'), pod('bb', { ip: '' }), pod('ccc', { phase: 'Succeeded' }), pod('dddd', { phase: 'Failed' }), pod('eeeee', { labels: { app: 'x' } }), pod('ffffff', { ns: 'other' }), pod('g', { terminating: true })];
    const groups = [...desiredGroups(svc(), pods, nodes).values()];
    expect(groups).toHaveLength(1);
    expect(groups[0]?.endpoints.map((e) => e.targetRef?.name)).toEqual(['a', 'g']);
    expect(groups[0]?.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
  });

  it('skips pods on unknown nodes unless publishNotReadyAddresses', () => {
    const pods = [pod('a', { node: 'ghost' })];
    expect(desiredGroups(svc(), pods, nodes).size).toBe(0);
    expect(desiredGroups(svc({ publishNotReadyAddresses: true }), pods, nodes).size).toBe(1);
  });

  it('groups pods by resolved port set; a pod without the named port gets no port', () => {
    const noPort = pod('bb');
    noPort.spec!.containers = [{ name: 'c' }];
    const groups = [...desiredGroups(svc(), [pod('a'), noPort], nodes).values()];
    expect(groups.map((g) => [g.ports.length, g.endpoints.length])).toEqual([[1, 1], [0, 1]]);
  });

  it.each([
    { name: 'numeric targetPort', ports: [{ port: 80, targetPort: 9090 as unknown as number }], want: [{ name: '', port: 9090, protocol: 'TCP' }] },
    { name: 'no targetPort', ports: [{ port: 80, protocol: 'UDP' }], want: [{ name: '', port: 80, protocol: 'UDP' }] },
    { name: 'no ports (headless)', ports: [], want: [] },
  ])('resolvePorts: $name', ({ ports, want }) => {
    expect(resolvePorts(svc({ ports }), pod('a'))).toEqual(want);
  });

  it.each([
    ['without selector', { selector: undefined }],
    ['with an empty selector', { selector: {} }],
    ['of type ExternalName', { type: 'ExternalName', externalName: 'example.com' }],
  ])('a Service %s selects nothing', (_name, over) => {
    expect(desiredGroups(svc(over), [pod('a')], nodes).size).toBe(0);
  });
});

/** Apply a plan the way the API would, naming created slices. */
function apply(existing: V1EndpointSlice[], plan: SlicePlan): V1EndpointSlice[] {
  const gone = new Set([...plan.delete, ...plan.update].map((s) => s.metadata?.name));
  let n = existing.length;
  const created = plan.create.map((s) => ({ ...s, metadata: { ...s.metadata, name: `kubia-${n++}` } }));
  return [...existing.filter((s) => !gone.has(s.metadata?.name)), ...plan.update, ...created];
}

describe('reconcileSlices', () => {
  const s = svc();
  const plan = (pods: V1Pod[], existing: V1EndpointSlice[], max = 100) => reconcileSlices(s, desiredGroups(s, pods, nodes), existing, max);

  it('creates one slice with the right metadata, then converges to no writes', () => {
    const p = plan([pod('a'), pod('bb')], []);
    expect(p.create).toHaveLength(1);
    const slice = p.create[0]!;
    expect(slice.metadata).toMatchObject({
      generateName: 'kubia-',
      namespace: 'default',
      labels: { app: 'kubia', [SERVICE_NAME_LABEL]: 'kubia', [MANAGED_BY_LABEL]: 'endpointslice-controller.k8s.io', [HEADLESS_LABEL]: '' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'kubia', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }],
    });
    expect(slice.addressType).toBe('IPv4');
    const state = apply([], p);
    expect(plan([pod('a'), pod('bb')], state)).toEqual({ create: [], update: [], delete: [] });
  });

  it('updates only the slice whose endpoint changed', () => {
    let state = apply([], plan([pod('a'), pod('bb'), pod('ccc')], [], 2));
    expect(state).toHaveLength(2);
    const p = plan([pod('a'), pod('bb'), pod('ccc', { ready: false })], state, 2);
    expect(p.create).toEqual([]);
    expect(p.delete).toEqual([]);
    expect(p.update).toHaveLength(1);
    expect(p.update[0]?.endpoints?.map((e) => [e.targetRef?.name, e.conditions?.ready])).toEqual([['ccc', false]]);
    state = apply(state, p);
    expect(plan([pod('a'), pod('bb'), pod('ccc', { ready: false })], state, 2)).toEqual({ create: [], update: [], delete: [] });
  });

  it('fills free room before creating slices and deletes emptied ones', () => {
    let state = apply([], plan([pod('a'), pod('bb'), pod('ccc')], [], 2));
    // remove both pods of the first slice: that slice goes, ccc's slice takes the new pod
    const p = plan([pod('ccc'), pod('dddd')], state, 2);
    expect(p.create).toEqual([]);
    expect(p.delete).toHaveLength(1);
    expect(p.update).toHaveLength(1);
    state = apply(state, p);
    expect(state.flatMap((x) => x.endpoints ?? []).map((e) => e.targetRef?.name).sort()).toEqual(['ccc', 'dddd']);
  });

  it('keeps one empty placeholder slice when no pods are selected', () => {
    const first = plan([], []);
    expect(first.create).toHaveLength(1);
    expect(first.create[0]).toMatchObject({ endpoints: [], ports: [] });
    let state = apply([], first);
    expect(plan([], state)).toEqual({ create: [], update: [], delete: [] });
    state = apply(state, plan([pod('a')], state));
    const back = plan([], state);
    expect(back.create).toEqual([]);
    expect(back.delete).toEqual([]);
    expect(back.update).toHaveLength(1);
    expect(back.update[0]).toMatchObject({ endpoints: [], ports: [] });
  });

  it('rewrites labels drifted from the Service', () => {
    const state = apply([], plan([pod('a')], []));
    state[0]!.metadata!.labels = { [SERVICE_NAME_LABEL]: 'kubia' };
    const p = plan([pod('a')], state);
    expect(p.update).toHaveLength(1);
    expect(p.update[0]?.metadata?.labels?.[MANAGED_BY_LABEL]).toBe('endpointslice-controller.k8s.io');
  });

  it('moves endpoints to a new slice when the port set changes', () => {
    const state = apply([], plan([pod('a')], []));
    const other = svc({ ports: [{ name: 'http', port: 80, targetPort: 7000 as unknown as number }] });
    const p = reconcileSlices(other, desiredGroups(other, [pod('a')], nodes), state);
    expect(p.create).toHaveLength(1);
    expect(p.create[0]?.ports).toEqual([{ name: 'http', port: 7000, protocol: 'TCP' }]);
    expect(p.delete).toHaveLength(1);
  });
});
