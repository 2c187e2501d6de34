// Pure decision functions of the API server: selectors, watch filtering, grace periods,
// finalizers for propagation policies, routing.
import { describe, expect, it } from 'vitest';
import { finalizersFor, graceFor } from '../../../src/local/api/delete.ts';
import { filterEvent } from '../../../src/local/api/list.ts';
import { findResource } from '../../../src/local/api/resources.ts';
import { route } from '../../../src/local/api/router.ts';
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from '../../../src/local/api/selectors.ts';
import type { KObject, StoreEvent } from '../../../src/local/api/store.ts';

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
