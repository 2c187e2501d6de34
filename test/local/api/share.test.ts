import { describe, expect, it } from 'vitest';
import { shareUnchanged } from '../../../src/local/api/share.ts';

const ep = (i: number, ready = true): Record<string, unknown> => ({
  addresses: [`10.1.0.${i}`], conditions: { ready, serving: ready, terminating: false }, hostname: `big0-${i}`, nodeName: `node-${i % 3}`,
  targetRef: { kind: 'Pod', name: `big0-${i}`, namespace: 'soak', uid: `uid-${i}` },
});
const slice = (eps: Array<Record<string, unknown>>, rv = '1'): Record<string, unknown> => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'big0-abc', namespace: 'soak', resourceVersion: rv, labels: { 'kubernetes.io/service-name': 'big0' } },
  addressType: 'IPv4', endpoints: eps, ports: [{ name: 'peer', port: 7000, protocol: 'TCP' }],
});
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) { Object.freeze(v); for (const c of Object.values(v)) deepFreeze(c); }
  return v;
}
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const endpoints = (o: unknown): unknown[] => (o as { endpoints: unknown[] }).endpoints;

describe('shareUnchanged: a new version takes the unchanged parts of the previous one', () => {
  // Each case: the previous version, the next (built apart: equal parts are equal, never the same
  // object), which endpoints of the next must be the previous version's own objects, and which not.
  it.each([
    { name: 'one endpoint flips readiness: the other 99 are shared', prev: slice(range(100).map((i) => ep(i))), next: slice(range(100).map((i) => ep(i, i !== 40)), '2'), shared: range(100).filter((i) => i !== 40).map((i) => [i, i]), fresh: [40] },
    { name: 'one endpoint removed in the middle: those after it are shared one index down', prev: slice(range(10).map((i) => ep(i))), next: slice(range(10).filter((i) => i !== 3).map((i) => ep(i)), '2'), shared: [[0, 0], [2, 2], [3, 4], [8, 9]], fresh: [] },
    { name: 'one endpoint inserted in the middle: those after it are shared one index up', prev: slice(range(5).map((i) => ep(i))), next: slice([ep(0), ep(1), ep(7), ep(2), ep(3), ep(4)], '2'), shared: [[0, 0], [1, 1], [3, 2], [5, 4]], fresh: [2] },
    { name: 'nothing in common', prev: slice([ep(1)]), next: slice([ep(2)], '2'), shared: [], fresh: [0] },
  ])('$name', ({ prev, next, shared, fresh }) => {
    const want = structuredClone(next);
    const [prevBefore, nextBefore] = [structuredClone(prev), structuredClone(next)];
    // Frozen, as stored objects are under the test suites: sharing must not write into either.
    const out = shareUnchanged(deepFreeze(prev), next);
    expect(out).toEqual(want); // the value never changes
    expect([prev, next]).toEqual([prevBefore, nextBefore]);
    expect(out).not.toBe(prev); // the resourceVersion differs
    for (const [n, p] of shared) expect(endpoints(out)[n!]).toBe(endpoints(prev)[p!]);
    for (const n of fresh) expect(endpoints(prev)).not.toContain(endpoints(out)[n]);
    expect((out as { ports: unknown }).ports).toBe((prev as { ports: unknown }).ports);
    expect((out as { metadata: { labels: unknown } }).metadata.labels).toBe((prev as { metadata: { labels: unknown } }).metadata.labels);
  });

  it.each([
    { name: 'equal throughout: the previous object itself', prev: { a: 1, b: { c: [1, 2] } }, next: { a: 1, b: { c: [1, 2] } }, same: true },
    { name: 'same keys in another order: not the same (clients read the order back)', prev: { a: 1, b: 2 }, next: { b: 2, a: 1 }, same: false },
    { name: 'a key more', prev: { a: 1 }, next: { a: 1, b: 2 }, same: false },
    { name: 'a key less', prev: { a: 1, b: 2 }, next: { a: 1 }, same: false },
    { name: 'null against an object', prev: { a: null }, next: { a: {} }, same: false },
    { name: 'an array against an object with index keys', prev: { a: { 0: 'x' } }, next: { a: ['x'] }, same: false },
    { name: 'a longer array', prev: [1, 2], next: [1, 2, 3], same: false },
    { name: 'no previous version', prev: undefined, next: { a: 1 }, same: false },
    { name: 'a __proto__ key (JSON.parse makes it an own property) stays one', prev: JSON.parse('{"l":{"__proto__":{"x":1},"a":"b"},"v":1}') as unknown, next: JSON.parse('{"l":{"__proto__":{"x":1},"a":"c"},"v":2}') as unknown, same: false },
  ])('$name', ({ prev, next, same }) => {
    const want = JSON.stringify(next);
    const out = shareUnchanged(prev, next);
    expect(JSON.stringify(out)).toBe(want);
    expect(out === prev).toBe(same);
  });
});
