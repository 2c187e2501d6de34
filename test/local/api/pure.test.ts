// Pure decision functions of the API server: selectors, watch filtering, grace periods,
// finalizers for propagation policies, routing.
import { describe, expect, it } from 'vitest';
import { finalizersFor, graceFor } from '../../../src/local/api/delete.ts';
import { filterEvent } from '../../../src/local/api/list.ts';
import { sameJson } from '../../../src/local/api/meta.ts';
import { findResource } from '../../../src/local/api/resources.ts';
import { route } from '../../../src/local/api/router.ts';
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from '../../../src/local/api/selectors.ts';
import type { KObject, StoreEvent } from '../../../src/local/api/store.ts';
import { watchTimeoutMs } from '../../../src/local/api/watch.ts';

describe('sameJson: equal as JSON, whatever the key order', () => {
  // The reference: what the comparison replaced (serialise both with sorted keys).
  const canonical = (v: unknown): string => JSON.stringify(v, (_k, val: unknown) => (val === null || typeof val !== 'object' || Array.isArray(val)
    ? val : Object.fromEntries(Object.keys(val).sort().map((k) => [k, (val as Record<string, unknown>)[k]]))));
  it.each<[string, unknown, unknown, boolean]>([
    ['same scalars', 1, 1, true], ['different scalars', 1, 2, false], ['number vs string', 1, '1', false],
    ['null vs object', null, {}, false], ['null vs null', null, null, true], ['empty objects', {}, {}, true],
    ['key order', { a: 1, b: { c: [1, 2], d: 'x' } }, { b: { d: 'x', c: [1, 2] }, a: 1 }, true],
    ['nested difference', { a: { b: [1, { c: 2 }] } }, { a: { b: [1, { c: 3 }] } }, false],
    ['array order matters', [1, 2], [2, 1], false], ['array length', [1], [1, 1], false],
    ['array vs object', [], {}, false], ['object vs array', { 0: 1 }, [1], false],
    ['undefined key is absent', { a: 1, b: undefined }, { a: 1 }, true],
    ['absent vs undefined, other side', { a: 1 }, { a: 1, b: undefined }, true],
    ['extra key', { a: 1 }, { a: 1, b: 2 }, false], ['missing key', { a: 1, b: 2 }, { a: 1 }, false],
    ['same count, different keys', { a: 1, b: undefined }, { a: 1, c: 2 }, false],
    ['undefined in an array is null', [undefined], [null], true],
    ['null value vs absent', { a: null }, {}, false],
    ['pod-sized', { metadata: { name: 'web-0', labels: { app: 'web', x: '1' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] } },
      { spec: { containers: [{ ports: [{ containerPort: 80 }], name: 'c' }] }, metadata: { labels: { x: '1', app: 'web' }, name: 'web-0' } }, true],
  ])('%s', (_name, a, b, want) => {
    expect(sameJson(a, b)).toBe(want);
    expect(sameJson(b, a)).toBe(want);
    expect(canonical(a) === canonical(b)).toBe(want);
  });
});

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', n: '5' };
  it.each([
    ['app=web', true], ['app==web', true], ['app!=web', false], ['app=db', false],
    ['tier in (front,back)', true], ['tier notin (front)', false], ['missing notin (x)', true],
    ['app', true], ['!app', false], ['!missing', true], ['n>4', true], ['n<5', false],
    ['app=web,tier=back', false], ['', true],
  ])('%s → %s', (sel, want) => {
    expect(matchLabels(parseLabelSelector(sel), labels)).toBe(want);
  });

  it.each(['a in (', 'a>b', '=x', 'a b'])('rejects %s', (sel) => {
    expect(() => parseLabelSelector(sel)).toThrow(/unable to parse requirement/);
  });
});

describe('field selectors', () => {
  const podObj: KObject = { metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: '' }, status: { phase: 'Running' } };
  it.each([
    ['metadata.name=p', true], ['metadata.name!=p', false], ['status.phase=Running', true],
    ['spec.nodeName=', true], ['spec.nodeName!=', false], ['metadata.namespace==ns,status.phase!=Failed', true],
  ])('%s → %s', (sel, want) => {
    expect(matchFields(parseFieldSelector(sel), podObj)).toBe(want);
  });
  it('rejects set operators', () => {
    expect(() => parseFieldSelector('a in (b)')).toThrow();
  });
});

describe('watch filtering across selector transitions', () => {
  const obj = (labels: Record<string, string>): KObject => ({ metadata: { name: 'p', namespace: 'ns', labels } });
  const ev = (type: StoreEvent['type'], now: KObject, prev?: KObject): StoreEvent => ({ type, rv: 1, resource: 'pods', object: now, prev });
  const sel = parseLabelSelector('app=web');
  it.each([
    ['added matching', ev('ADDED', obj({ app: 'web' })), 'ADDED'],
    ['added not matching', ev('ADDED', obj({})), undefined],
    ['modified in → in', ev('MODIFIED', obj({ app: 'web', x: '1' }), obj({ app: 'web' })), 'MODIFIED'],
    ['modified in → out', ev('MODIFIED', obj({ app: 'db' }), obj({ app: 'web' })), 'DELETED'],
    ['modified out → in', ev('MODIFIED', obj({ app: 'web' }), obj({})), 'ADDED'],
    ['modified out → out', ev('MODIFIED', obj({ a: 'b' }), obj({})), undefined],
    ['deleted matching', ev('DELETED', obj({ app: 'web' }), obj({ app: 'web' })), 'DELETED'],
  ])('%s', (_name, e, want) => {
    expect(filterEvent(e, undefined, sel, [])?.type).toBe(want);
  });
  it('filters by namespace', () => {
    expect(filterEvent(ev('ADDED', obj({ app: 'web' })), 'other', sel, [])).toBeUndefined();
  });
});

describe('pod grace period', () => {
  const t = { info: findResource('', 'v1', 'pods')!, id: 'pods', namespace: 'ns' };
  const p = (spec: object, status: object = {}): KObject => ({ metadata: { name: 'p' }, spec, status });
  it.each([
    ['bound, default grace', p({ nodeName: 'n', terminationGracePeriodSeconds: 30 }), undefined, 30],
    ['bound, requested grace', p({ nodeName: 'n', terminationGracePeriodSeconds: 30 }), 5, 5],
    ['unbound', p({ terminationGracePeriodSeconds: 30 }), undefined, 0],
    ['succeeded', p({ nodeName: 'n' }, { phase: 'Succeeded' }), undefined, 0],
    ['negative becomes 1', p({ nodeName: 'n' }), -3, 1],
  ])('%s', (_n, pod, requested, want) => {
    expect(graceFor(t, pod, requested)).toBe(want);
  });
});

describe('propagation finalizers', () => {
  it.each([
    [['a'], 'Orphan', ['a', 'orphan']],
    [['a', 'orphan'], 'Foreground', ['a', 'foregroundDeletion']],
    [['foregroundDeletion'], 'Background', []],
    [['a'], undefined, ['a']],
  ] as const)('%j + %s → %j', (current, policy, want) => {
    expect(finalizersFor(current, policy)).toEqual(want);
  });
});

describe('routing', () => {
  it.each([
    ['/api/v1/namespaces', 'namespaces', undefined, undefined, undefined],
    ['/api/v1/namespaces/default', 'namespaces', undefined, 'default', undefined],
    ['/api/v1/namespaces/default/status', 'namespaces', undefined, 'default', 'status'],
    ['/api/v1/namespaces/default/pods', 'pods', 'default', undefined, undefined],
    ['/api/v1/namespaces/default/pods/web-0/binding', 'pods', 'default', 'web-0', 'binding'],
    ['/apis/apps/v1/namespaces/ns/statefulsets/web/scale', 'statefulsets', 'ns', 'web', 'scale'],
    ['/api/v1/pods', 'pods', undefined, undefined, undefined],
  ])('%s', (path, plural, ns, name, sub) => {
    const r = route(path);
    expect(r?.type).toBe('resource');
    if (r?.type !== 'resource') return;
    expect([r.info.plural, r.namespace, r.name, r.subresource]).toEqual([plural, ns, name, sub]);
  });
  it.each(['/api/v1/namespaces/default/nodes', '/api/v1/namespaces/default/pods/x/bogus', '/foo'])('rejects %s', (path) => {
    expect(route(path)?.type === 'resource').toBe(false);
  });
});

describe('watch timeout (kube-apiserver: timeoutSeconds, else --min-request-timeout times [1, 2))', () => {
  it.each([
    { name: 'the client\'s timeoutSeconds', timeoutSeconds: 300, random: 0.5, want: 300_000 },
    { name: 'none: 1800 s at the least', timeoutSeconds: undefined, random: 0, want: 1_800_000 },
    { name: 'none: up to 3600 s', timeoutSeconds: undefined, random: 0.999, want: 3_598_200 },
    { name: '0 counts as none, not as "end now"', timeoutSeconds: 0, random: 0.5, want: 2_700_000 },
  ])('$name', ({ timeoutSeconds, random, want }) => {
    expect(watchTimeoutMs(timeoutSeconds, () => random)).toBe(want);
  });

  it('spreads watches opened together', () => {
    const ends = new Set(Array.from({ length: 20 }, () => watchTimeoutMs(undefined)));
    expect(ends.size).toBeGreaterThan(10);
    for (const ms of ends) expect(ms >= 1_800_000 && ms < 3_600_000).toBe(true);
  });
});
