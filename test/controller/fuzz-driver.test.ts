// The randomised-sequence driver (helpers/fuzz.ts) over a fake world that converges at once:
// every seed runs, every restart reaches the target, and a failure — a sequence that cannot
// converge, or an audit violation naming a sequence's namespace — is reported with that
// sequence's seed, trace and reproduction command, and stops the lanes.
import { describe, expect, it } from 'vitest';
import type { Api } from '../../src/controller/rest.ts';
import type { KObject } from '../../src/local/api/index.ts';
import { runLanes, type FuzzReader, type FuzzTarget, type Lane } from './helpers/fuzz.ts';
import type { SetObj } from './helpers/converge.ts';

/** A world whose set is always converged at whatever replicas it was last given. */
function fakeWorld(o: { converges: boolean }): { target: FuzzTarget; restarts: () => number } {
  const replicas = new Map<string, number>();
  let restarts = 0;
  const nsOf = (path: string) => /namespaces\/([^/]+)/.exec(path)?.[1] ?? '';
  const api: Api = {
    get: () => Promise.reject(new Error('not used')),
    create: async <T>(path: string, body: unknown) => {
      const spec = (body as { spec?: { replicas?: number } }).spec;
      if (path.endsWith('/statefulsets')) replicas.set(nsOf(path), spec?.replicas ?? 1);
      return body as T;
    },
    replace: async <T>(_path: string, body: unknown) => body as T,
    mergePatch: async <T>(path: string, body: unknown) => {
      const n = (body as { spec?: { replicas?: number } }).spec?.replicas;
      if (path.includes('/statefulsets/') && n !== undefined) replicas.set(nsOf(path), n);
      return body as T;
    },
    remove: async () => undefined,
  };
  const good = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
  const read: FuzzReader = {
    set: async (ns) => {
      if (!o.converges) return undefined;
      const n = replicas.get(ns) ?? 0;
      const status = { observedGeneration: 1, replicas: n, readyReplicas: n, availableReplicas: n, currentReplicas: n, updatedReplicas: n, currentRevision: 'r', updateRevision: 'r' };
      return { metadata: { name: 'web', namespace: ns, generation: 1 }, spec: { replicas: n }, status } satisfies SetObj;
    },
    pods: async (ns) => Array.from({ length: replicas.get(ns) ?? 0 }, (_, i): KObject => ({
      metadata: { name: `web-${i}`, namespace: ns, labels: { 'controller-revision-hash': 'r' } }, spec: { nodeName: 'n0' }, status: good,
    })),
    claimNames: async (ns) => new Set(Array.from({ length: replicas.get(ns) ?? 0 }, (_, i) => `data-web-${i}`)),
    node: async (name) => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }),
  };
  const target: FuzzTarget = {
    api, read, nodes: ['n0', 'n1'],
    timeouts: { nodeLostMs: 1_000, convergeMs: 100, pollMs: 5 },
    restartController: async () => { restarts++; },
  };
  return { target, restarts: () => restarts };
}

const reproduce = (seed: number) => `run ${seed}`;
const seeds = [11, 12, 13, 14, 15, 16];

describe('the randomised-sequence driver', () => {
  it('runs every seed over the lanes and passes restarts to the target', async () => {
    const worlds = [fakeWorld({ converges: true }), fakeWorld({ converges: true })];
    const lanes: Lane[] = worlds.map((w, i) => ({ name: String(i), target: w.target, violations: () => [] }));
    const report = await runLanes(lanes, seeds, { reproduce });
    expect(report.failures).toEqual([]);
    expect(report.sequences).toBe(seeds.length);
    expect(report.steps).toBeGreaterThanOrEqual(4 * seeds.length);
    expect(worlds[0]!.restarts() + worlds[1]!.restarts()).toBe(report.restarts);
  });

  // violationAfter: the audit reports a violation in the namespace of the n-th sequence once it ran.
  it.each<[string, { converges: boolean; violationAfter?: number }, RegExp, number]>([
    ['a set that never converges', { converges: false }, /^seed 11 \(lane x\): timed out waiting for convergence of fz-11; last: false; divergence: no set\n {2}trace: \+\d+ms create (OrderedReady|Parallel) replicas=\d.*\n {2}reproduce: run 11$/, 0],
    ['an audit violation in a sequence\'s namespace', { converges: true, violationAfter: 2 }, /^seed 12 \(lane x\): identity audit:\n {4}fz-12\/web-0: uid b added while uid a still exists\n {2}trace: \+\d+ms create .*converged\n {2}reproduce: run 12$/, 2],
  ])('reports %s with its seed, trace and reproduction, and stops', async (_name, o, want, sequences) => {
    const w = fakeWorld(o);
    let done = 0;
    const failures: string[] = [];
    const lane: Lane = {
      name: 'x', target: { ...w.target, onSet: () => { done++; } },
      violations: () => (o.violationAfter !== undefined && done >= o.violationAfter ? [`fz-${seeds[o.violationAfter - 1]}/web-0: uid b added while uid a still exists`] : []),
    };
    const report = await runLanes([lane], seeds, { reproduce, onFailure: (m) => failures.push(m) });
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatch(want);
    expect(failures).toEqual(report.failures);
    expect(report.sequences).toBe(sequences);
  });

  it('takes no seed once told to stop', async () => {
    const report = await runLanes([{ name: 'x', target: fakeWorld({ converges: true }).target, violations: () => [] }], seeds, { reproduce, stopped: () => true });
    expect(report).toMatchObject({ sequences: 0, failures: [] });
  });
});
