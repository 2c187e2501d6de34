import { describe, expect, it } from 'vitest';
import { applyList, applyWatchEvent, objectKey, type KubeObject } from '../../src/kube/store.ts';
import { backoffDelay } from '../../src/kube/backoff.ts';

const o = (name: string, rv: string, namespace?: string): KubeObject => ({ metadata: { name, namespace, resourceVersion: rv } });

describe('objectKey', () => {
  it.each([
    { obj: o('a', '1', 'ns'), want: 'ns/a' },
    { obj: o('node-0', '1'), want: 'node-0' },
    { obj: {}, want: '' },
  ])('$want', ({ obj, want }) => expect(objectKey(obj)).toBe(want));
});

describe('applyList', () => {
  it.each([
    { name: 'first list adds all', prev: [], items: [o('a', '1'), o('b', '2')], want: ['add a', 'add b'] },
    { name: 'unchanged resourceVersions are quiet', prev: [o('a', '1')], items: [o('a', '1')], want: [] },
    { name: 'changed resourceVersion updates', prev: [o('a', '1')], items: [o('a', '5')], want: ['update a'] },
    { name: 'missing objects are deleted', prev: [o('a', '1'), o('b', '2')], items: [o('b', '2')], want: ['delete a'] },
    { name: 'empty relist deletes everything', prev: [o('a', '1'), o('b', '2')], items: [], want: ['delete a', 'delete b'] },
  ])('$name', ({ prev, items, want }) => {
    const { next, changes } = applyList(new Map(prev.map((x) => [objectKey(x), x])), items);
    expect(changes.map((c) => `${c.kind} ${c.obj.metadata!.name}`)).toEqual(want);
    expect([...next.keys()]).toEqual(items.map(objectKey));
  });

  it('a delete carries the last known object', () => {
    const last = o('a', '7');
    const { changes } = applyList(new Map([['a', last]]), []);
    expect(changes[0]!.obj).toBe(last);
  });
});

describe('applyWatchEvent', () => {
  it.each([
    { name: 'ADDED new', type: 'ADDED' as const, known: false, want: 'add', size: 1 },
    { name: 'ADDED known (after reconnect) is an update', type: 'ADDED' as const, known: true, want: 'update', size: 1 },
    { name: 'MODIFIED known', type: 'MODIFIED' as const, known: true, want: 'update', size: 1 },
    { name: 'MODIFIED unknown is an add', type: 'MODIFIED' as const, known: false, want: 'add', size: 1 },
    { name: 'DELETED known', type: 'DELETED' as const, known: true, want: 'delete', size: 0 },
    { name: 'DELETED unknown still notifies', type: 'DELETED' as const, known: false, want: 'delete', size: 0 },
    { name: 'BOOKMARK changes nothing', type: 'BOOKMARK' as const, known: true, want: undefined, size: 1 },
  ])('$name', ({ type, known, want, size }) => {
    const cache = new Map<string, KubeObject>(known ? [['ns/a', o('a', '1', 'ns')]] : []);
    const change = applyWatchEvent(cache, type, o('a', '2', 'ns'));
    expect(change?.kind).toBe(want);
    expect(cache.size).toBe(size);
    if (want === 'update') expect(change!.old!.metadata!.resourceVersion).toBe('1');
  });
});

describe('backoffDelay', () => {
  const opts = { initialMs: 200, maxMs: 10_000 };
  it.each([
    { attempt: 0, random: 0.5, want: 0 },
    { attempt: 1, random: 0, want: 100 },
    { attempt: 1, random: 0.999, want: 200 },
    { attempt: 3, random: 0, want: 400 },
    { attempt: 7, random: 0.999, want: 9_995 },
    { attempt: 1000, random: 0, want: 5_000 },
  ])('attempt $attempt, random $random → $want ms', ({ attempt, random, want }) => {
    expect(backoffDelay(attempt, opts, random)).toBe(want);
  });

  it('never exceeds the 10 s cap, never collapses to zero after a failure', () => {
    for (let a = 1; a < 100; a++) {
      const d = backoffDelay(a, opts);
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThanOrEqual(10_000);
    }
  });
});
