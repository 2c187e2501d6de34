// The watch history: bounded by size and by compaction, a watch from a forgotten resourceVersion
// is Expired (410 Gone upstream), and one from a kept one gets exactly the events after it.
import { describe, expect, it } from 'vitest';
import { Store, type KObject } from '../../../src/local/api/store.ts';

const pod = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'a' } });
const svc = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'a' } });

/** A store with `n` writes, alternating pods and services (rv 1..n), history bounded at `limit`. */
function filled(n: number, limit: number): Store {
  const s = new Store({ historyLimit: limit });
  for (let i = 1; i <= n; i++) {
    if (i % 2) s.put('pods', pod(`p${i}`));
    else s.put('services', svc(`s${i}`));
  }
  return s;
}
const rvs = (r: ReturnType<Store['eventsSince']>): number[] | 'expired' => (r === 'expired' ? r : r.map((e) => e.rv));

describe('Store watch history', () => {
  it.each([
    { what: 'within the limit: all after rv 0', n: 6, limit: 10, compactTo: 0, since: 0, res: 'pods', want: [1, 3, 5], size: 6 },
    { what: 'within the limit: after rv 3', n: 6, limit: 10, compactTo: 0, since: 3, res: 'services', want: [4, 6], size: 6 },
    { what: 'over the limit: the oldest are gone', n: 12, limit: 10, compactTo: 0, since: 1, res: 'pods', want: 'expired' as const, size: 10 },
    { what: 'over the limit: the oldest kept rv still resumes', n: 12, limit: 10, compactTo: 0, since: 2, res: 'pods', want: [3, 5, 7, 9, 11], size: 10 },
    { what: 'compacted to rv 4: rv 3 expired', n: 8, limit: 100, compactTo: 4, since: 3, res: 'pods', want: 'expired' as const, size: 4 },
    { what: 'compacted to rv 4: rv 4 resumes', n: 8, limit: 100, compactTo: 4, since: 4, res: 'pods', want: [5, 7], size: 4 },
    { what: 'compacting past the current rv stops at it', n: 5, limit: 100, compactTo: 99, since: 5, res: 'pods', want: [], size: 0 },
    { what: 'many writes over a small limit (slots cut in bulk)', n: 5000, limit: 100, compactTo: 0, since: 4900, res: 'services', want: Array.from({ length: 50 }, (_, i) => 4902 + 2 * i), size: 100 },
  ])('$what', ({ n, limit, compactTo, since, res, want, size }) => {
    const s = filled(n, limit);
    if (compactTo) s.compactTo(compactTo);
    expect(rvs(s.eventsSince(res, since))).toEqual(want);
    expect(s.historySize()).toBe(size);
    expect(s.oldestWatchableRv()).toBe(n - size);
  });

  it('never moves compaction back, and later writes are kept', () => {
    const s = filled(10, 100);
    s.compactTo(8);
    s.compactTo(3);
    expect(s.oldestWatchableRv()).toBe(8);
    s.put('pods', pod('late'));
    expect(rvs(s.eventsSince('pods', 8))).toEqual([9, 11]);
  });
});

describe('Store versions share what they did not change (share.ts)', () => {
  it('a status write keeps the spec and labels of the version before, and the history holds both', () => {
    const s = new Store();
    const v1 = s.put('pods', { ...pod('p'), metadata: { name: 'p', namespace: 'a', labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Pending' } });
    // A writer's copy: equal parts, none of them the stored objects (as structuredClone makes).
    const next = structuredClone(v1);
    (next as { status?: unknown }).status = { phase: 'Running' };
    const v2 = s.put('pods', next);
    expect(v2.spec).toBe(v1.spec);
    expect(v2.metadata.labels).toBe(v1.metadata.labels);
    expect(v2.status).toEqual({ phase: 'Running' });
    expect(v1.status).toEqual({ phase: 'Pending' });
    expect(v2.metadata.resourceVersion).toBe('2');
    const events = s.eventsSince('pods', 0);
    expect(events === 'expired' ? [] : events.map((e) => (e.object as { status?: unknown }).status)).toEqual([{ phase: 'Pending' }, { phase: 'Running' }]);
  });

  it('freezes what it stores under the test suites (ORDINAL_STORE_FREEZE=1), so a writer that mutates a stored object throws', () => {
    expect(process.env['ORDINAL_STORE_FREEZE']).toBe('1');
    const s = new Store();
    const v1 = s.put('pods', { ...pod('p'), spec: { containers: [{ name: 'c', image: 'i' }] } });
    expect(() => { (v1.spec as { containers: Array<{ image: string }> }).containers[0]!.image = 'j'; }).toThrow(TypeError);
  });
});
