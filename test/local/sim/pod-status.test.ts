import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { deletionDeadline, kubeletAction, READY_ANNOTATION, type KubeletContext, type PodStatusOut } from '../../../src/local/sim/pod-status.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const ctx = (now: number): KubeletContext => ({ hostIP: '172.18.0.2', podIP: '10.244.0.5', now, readyDelayMs: 1000, shutdownMs: 1000 });

function pod(over: { annotations?: Record<string, string>; status?: V1Pod['status']; deletion?: [number, number] } = {}): V1Pod {
  return {
    metadata: {
      name: 'kubia-0',
      namespace: 'default',
      uid: 'u1',
      ...(over.annotations ? { annotations: over.annotations } : {}),
      ...(over.deletion ? { deletionTimestamp: new Date(over.deletion[0]), deletionGracePeriodSeconds: over.deletion[1] } : {}),
    },
    spec: { nodeName: 'node-0', containers: [{ name: 'kubia', image: 'luksa/kubia-pet' }] },
    status: over.status ?? { phase: 'Pending' },
  };
}

/** Apply a status action the way the API would store it. */
function applied(p: V1Pod, s: PodStatusOut): V1Pod {
  return { ...p, status: JSON.parse(JSON.stringify({ ...s, reason: undefined, message: undefined })) as V1Pod['status'] };
}

const readyOf = (s: PodStatusOut): string | undefined => s.conditions.find((c) => c.type === 'Ready')?.status;

describe('kubeletAction', () => {
  it('starts a pending pod: Running, IPs, containers running but not ready, recheck at the ready delay', () => {
    const a = kubeletAction(pod(), ctx(T0));
    expect(a.kind).toBe('status');
    if (a.kind !== 'status') return;
    expect(a.status).toMatchObject({ phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], hostIPs: [{ ip: '172.18.0.2' }] });
    expect(a.status.containerStatuses).toEqual([expect.objectContaining({ name: 'kubia', ready: false, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } })]);
    expect(readyOf(a.status)).toBe('False');
    expect(a.status.conditions.map((c) => c.type)).toEqual(expect.arrayContaining(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']));
    expect(a.recheckMs).toBe(1000);
  });

  it.each([
    { name: 'before the delay nothing changes', after: 500, annotations: undefined, kind: 'none', ready: undefined },
    { name: 'after the delay it becomes Ready', after: 1000, annotations: undefined, kind: 'status', ready: 'True' },
    { name: 'the annotation holds it unready', after: 5000, annotations: { [READY_ANNOTATION]: 'false' }, kind: 'none', ready: undefined },
    { name: 'any other value does not hold it', after: 5000, annotations: { [READY_ANNOTATION]: 'true' }, kind: 'status', ready: 'True' },
  ])('$name', ({ after, annotations, kind, ready }) => {
    const first = kubeletAction(pod(), ctx(T0));
    if (first.kind !== 'status') throw new Error('expected status');
    const running = applied(pod(annotations ? { annotations } : {}), first.status);
    const a = kubeletAction(running, ctx(T0 + after));
    expect(a.kind).toBe(kind);
    if (a.kind === 'status') expect(readyOf(a.status)).toBe(ready);
  });

  it('a held pod gets no recheck timer (it waits for the annotation event)', () => {
    const a = kubeletAction(pod({ annotations: { [READY_ANNOTATION]: 'false' } }), ctx(T0));
    expect(a).toMatchObject({ kind: 'status' });
    expect((a as { recheckMs?: number }).recheckMs).toBeUndefined();
  });

  it('setting the annotation on a Ready pod makes it unready, keeping other transition times', () => {
    const started = kubeletAction(pod(), ctx(T0));
    if (started.kind !== 'status') throw new Error('expected status');
    const ready = kubeletAction(applied(pod(), started.status), ctx(T0 + 2000));
    if (ready.kind !== 'status') throw new Error('expected status');
    const held = applied(pod({ annotations: { [READY_ANNOTATION]: 'false' } }), ready.status);
    const a = kubeletAction(held, ctx(T0 + 9000));
    if (a.kind !== 'status') throw new Error('expected status');
    expect(readyOf(a.status)).toBe('False');
    expect(a.status.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe('2026-01-01T00:00:09Z');
    expect(a.status.conditions.find((c) => c.type === 'PodScheduled')?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(a.status.containerStatuses[0]).toMatchObject({ ready: false });
  });

  it('re-reports a pod the node-lifecycle controller marked NodeLost', () => {
    const started = kubeletAction(pod(), ctx(T0));
    if (started.kind !== 'status') throw new Error('expected status');
    const lost = applied(pod(), started.status);
    lost.status = { ...lost.status, phase: 'Unknown', reason: 'NodeLost', message: 'Node node-0 which was running pod kubia-0 is unresponsive' } as typeof lost.status;
    const a = kubeletAction(lost, ctx(T0 + 500));
    expect(a.kind).toBe('status');
    if (a.kind === 'status') expect(a.status).toMatchObject({ phase: 'Running', reason: null, message: null });
  });

  it.each([
    { name: 'waits for the simulated shutdown', grace: 30, at: 500, want: { kind: 'wait', recheckMs: 500 } },
    { name: 'deletes after min(grace, 1s)', grace: 30, at: 1000, want: { kind: 'delete', uid: 'u1' } },
    { name: 'a short grace is honoured', grace: 0.2, at: 200, want: { kind: 'delete', uid: 'u1' } },
    { name: 'a long-overdue deletion (node back) happens at once', grace: 30, at: 600_000, want: { kind: 'delete', uid: 'u1' } },
  ])('graceful deletion: $name', ({ grace, at, want }) => {
    // deletionTimestamp = request time (T0) + grace
    const p = pod({ deletion: [T0 + grace * 1000, grace], status: { phase: 'Running' } });
    expect(kubeletAction(p, ctx(T0 + at))).toEqual(want);
  });

  it('counts the shutdown from when the kubelet saw the deletion (deletionTimestamp has whole seconds)', () => {
    const p = pod({ deletion: [T0 + 30_000, 30], status: { phase: 'Running' } });
    expect(deletionDeadline(p, 300)).toBe(T0 + 300);
    expect(deletionDeadline(p, 300, T0 + 900)).toBe(T0 + 1200);
    expect(kubeletAction(p, { ...ctx(T0 + 1000), shutdownMs: 300, deletionSeenAt: T0 + 900 })).toEqual({ kind: 'wait', recheckMs: 200 });
  });

  it('deletionDeadline is undefined for a live pod', () => {
    expect(deletionDeadline(pod(), 1000)).toBeUndefined();
  });

  it('reports init containers as completed and app containers as running', () => {
    const p = pod();
    p.spec!.initContainers = [{ name: 'setup', image: 'busybox' }];
    const a = kubeletAction(p, ctx(T0));
    if (a.kind !== 'status') throw new Error('expected status');
    expect(a.status.initContainerStatuses).toEqual([
      expect.objectContaining({ name: 'setup', ready: true, started: false, state: { terminated: expect.objectContaining({ exitCode: 0, reason: 'Completed' }) } }),
    ]);
    expect(a.status.containerStatuses[0]).toMatchObject({ started: true, state: { running: expect.anything() } });
  });

  it.each(['Succeeded', 'Failed'])('leaves a %s pod alone', (phase) => {
    expect(kubeletAction(pod({ status: { phase } }), ctx(T0))).toEqual({ kind: 'none' });
  });
});
