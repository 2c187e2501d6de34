import { describe, expect, it } from 'vitest';
import { normalizeOrder } from '../../../src/local/kubectl/patch-order.ts';

// Expected orders were checked against kube-apiserver 1.36 (test/e2e/kubectl.test.ts, differential suite).
const rows: { name: string; merged: unknown[]; patch: unknown[]; live: unknown[]; key?: string; want: unknown[] }[] = [
  { name: 'new element goes before live ones', merged: ['a', 'b', 'n'], patch: ['n'], live: ['a', 'b'], want: ['n', 'a', 'b'] },
  { name: 'patched live element keeps its place', merged: ['a', 'b', 'c'], patch: ['b'], live: ['a', 'b', 'c'], want: ['a', 'b', 'c'] },
  { name: 'patch order among patched elements', merged: ['a', 'b'], patch: ['b', 'a'], live: ['a', 'b'], want: ['b', 'a'] },
  { name: 'server-only element placed by live order', merged: ['a', 'b', 'c'], patch: ['c', 'a'], live: ['a', 'b', 'c'], want: ['b', 'c', 'a'] },
  { name: 'new element after a live neighbour', merged: ['a', 'b', 'z'], patch: ['b', 'z'], live: ['a', 'b'], want: ['a', 'b', 'z'] },
  { name: 'maps by merge key', key: 'name', merged: [{ name: 'app' }, { name: 'side' }, { name: 'new' }], patch: [{ name: 'new' }], live: [{ name: 'app', x: 1 }, { name: 'side' }],
    want: [{ name: 'new' }, { name: 'app' }, { name: 'side' }] },
  { name: 'empty patch keeps live order', merged: ['b', 'a'], patch: [], live: ['a', 'b'], want: ['a', 'b'] },
];

describe('normalizeOrder (strategic merge list order)', () => {
  it.each(rows)('$name', ({ merged, patch, live, key, want }) => expect(normalizeOrder(merged, patch, live, key)).toEqual(want));
});
