// Store.list keeps sorted keys between calls (a paged list sorts once): the order, the `after`
// start and the namespace filter must hold across puts, updates and removals.
import { describe, expect, it } from 'vitest';
import { Store, type KObject } from '../../../src/local/api/store.ts';

const pod = (ns: string, name: string, v = 1): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { v: String(v) } } });
const names = (objs: KObject[]): string[] => objs.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);

describe('Store.list', () => {
  it.each([
    { what: 'all, sorted by key', ns: undefined, after: '', want: ['a/p1', 'a/p3', 'b/p2'] },
    { what: 'one namespace', ns: 'a', after: '', want: ['a/p1', 'a/p3'] },
    { what: 'after a continue key', ns: undefined, after: 'a/p1', want: ['a/p3', 'b/p2'] },
    { what: 'after a key that is not stored', ns: undefined, after: 'a/p2', want: ['a/p3', 'b/p2'] },
    { what: 'after the last key', ns: undefined, after: 'b/p2', want: [] },
  ])('$what', ({ ns, after, want }) => {
    const s = new Store();
    for (const [n, name] of [['b', 'p2'], ['a', 'p3'], ['a', 'p1']] as const) s.put('pods', pod(n, name));
    expect(names(s.list('pods', ns, after))).toEqual(want);
  });

  it('sees keys added and removed after a list, and updates in place', () => {
    const s = new Store();
    s.put('pods', pod('a', 'p2'));
    expect(names(s.list('pods'))).toEqual(['a/p2']);
    s.put('pods', pod('a', 'p1'));
    s.put('pods', pod('a', 'p2', 2));
    expect(names(s.list('pods'))).toEqual(['a/p1', 'a/p2']);
    expect(s.list('pods', undefined, 'a/p1')[0]?.metadata.labels).toEqual({ v: '2' });
    s.remove('pods', 'a', 'p1');
    expect(names(s.list('pods'))).toEqual(['a/p2']);
    expect(s.list('services')).toEqual([]);
  });
});
