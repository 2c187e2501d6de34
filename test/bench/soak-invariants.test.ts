// The soak's StatefulSet invariants (bench/soak/invariants.ts) judge every pod event of the run;
// a false violation fails CI, a missed one hides a controller bug. Driven here event by event.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClusterView, PodView, SetView } from '../../bench/soak/expect.ts';
import { Invariants } from '../../bench/soak/invariants.ts';

const set: SetView = {
  ns: 'soak', name: 's', uid: 'set', replicas: 3, serviceName: 's', policy: 'OrderedReady', generation: 1, observedGeneration: 1,
  readyReplicas: 3, updatedReplicas: 3, currentRevision: 'r', updateRevision: 'r', claimTemplates: [],
};
const pod = (ordinal: number, uid: string, o: Partial<PodView> = {}): PodView => ({
  ns: 'soak', name: `s-${ordinal}`, uid, ip: '10.0.0.1', ready: true, terminating: false, terminal: false, hostname: `s-${ordinal}`,
  subdomain: 's', labels: {}, set: 's', ordinal, claims: [], nodeName: 'n', containerPorts: {}, ...o,
});

/** Replays `steps` (ms offsets, event type, pod) through an Invariants, keeping the view as the oracle does. */
function replay(steps: [number, string, PodView][]): string[] {
  const inv = new Invariants();
  let pods = new Map<string, PodView>();
  for (const [at, type, p] of steps) {
    vi.setSystemTime(at);
    const before: ClusterView = { pods, services: new Map(), sets: new Map([['soak/s', set]]) };
    inv.podEvent(type, p, before);
    pods = new Map(pods);
    if (type === 'DELETED') pods.delete(`soak/${p.name}`); else pods.set(`soak/${p.name}`, p);
  }
  return inv.violations.map((v) => v.kind);
}

const base: [number, string, PodView][] = [[0, 'ADDED', pod(0, 'a')], [10, 'ADDED', pod(1, 'b')]];

describe('soak invariants: OrderedReady', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it.each([
    { name: 'predecessors Ready', steps: [...base, [5000, 'ADDED', pod(2, 'c')]], want: [] },
    { name: 'predecessor never there', steps: [[0, 'ADDED', pod(0, 'a')], [5000, 'ADDED', pod(2, 'c')]], want: ['ordered-ready'] },
    { name: 'predecessor not Ready for long', steps: [...base, [100, 'MODIFIED', pod(1, 'b', { ready: false })], [5000, 'ADDED', pod(2, 'c')]], want: ['ordered-ready'] },
    { name: 'predecessor unready just before (the controller acts on its cache)', steps: [...base, [4900, 'MODIFIED', pod(1, 'b', { ready: false })], [5000, 'ADDED', pod(2, 'c')]], want: [] },
    // A Ready pod force-deleted: its DELETED can come right before the successor the controller planned with it still cached.
    { name: 'Ready predecessor force-deleted just before', steps: [...base, [4900, 'DELETED', pod(1, 'b')], [5000, 'ADDED', pod(2, 'c')]], want: [] },
    { name: 'Ready predecessor deleted long before', steps: [...base, [100, 'DELETED', pod(1, 'b')], [5000, 'ADDED', pod(2, 'c')]], want: ['ordered-ready'] },
    { name: 'terminating predecessor deleted just before', steps: [...base, [100, 'MODIFIED', pod(1, 'b', { terminating: true })], [4900, 'DELETED', pod(1, 'b', { terminating: true })], [5000, 'ADDED', pod(2, 'c')]], want: ['ordered-ready'] },
  ] as { name: string; steps: [number, string, PodView][]; want: string[] }[])('$name', ({ steps, want }) => {
    expect(replay(steps)).toEqual(want);
  });

  it('at most one pod per identity', () => {
    expect(replay([[0, 'ADDED', pod(0, 'a')], [10, 'ADDED', pod(0, 'a2')]])).toEqual(['identity']);
    expect(replay([[0, 'ADDED', pod(0, 'a')], [5, 'DELETED', pod(0, 'a')], [10, 'ADDED', pod(0, 'a2')]])).toEqual([]);
  });
});
