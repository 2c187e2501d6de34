import { describe, expect, it } from 'vitest';
import {
  chooseRevisions, fnv1, goJson, hashRevision, newRevision, revisionsEqual, revisionsToPrune, safeEncode,
} from '../../src/controller/revisions.ts';
import type { ControllerRevision } from '../../src/controller/types.ts';
import { makePod, makeSet, withImage } from './fixtures.ts';

// The template of upstream's compatibility fixture (testdata/compatibility_set_1.34.0.json),
// whose revision is named test-776999688b: byte-exact agreement with kube-controller-manager.
const upstreamTemplate = {
  metadata: { annotations: { test: 'value' }, labels: { app: 'foo' }, creationTimestamp: null },
  spec: {
    containers: [{ image: 'test', imagePullPolicy: 'Always', name: 'test', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
    dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
  },
};

describe('revision hashing', () => {
  it('matches the name kube-controller-manager gives the same template', () => {
    const set = makeSet({ template: upstreamTemplate, selector: { matchLabels: { app: 'foo' } } }, 'test');
    const rev = newRevision(set, 1, 0);
    expect(rev.metadata.name).toBe('test-776999688b');
    expect(rev.metadata.labels).toEqual({ app: 'foo', 'controller.kubernetes.io/hash': '776999688b' });
    expect(goJson(rev.data as never)).toMatch(/^\{"spec":\{"template":\{"\$patch":"replace","metadata":\{"annotations"/);
  });

  it.each([
    ['', 0x811c9dc5],
    ['a', 0x050c5d7e],
    ['foobar', 0x31f0b262],
  ])('FNV-1 32 of %j', (s, want) => {
    expect(fnv1(new TextEncoder().encode(s))).toBe(want);
  });

  it('maps digits to the safe alphabet', () => {
    expect(safeEncode('0123456789')).toBe('456789bcdf');
  });

  it('changes with the collision count', () => {
    expect(hashRevision('{}', 0)).not.toBe(hashRevision('{}', 1));
  });

  it('escapes like Go and sorts keys', () => {
    expect(goJson({ b: 1, a: '<&>', c: [true, null] })).toBe('{"a":"\\u003c\\u0026\\u003e","b":1,"c":[true,null]}');
  });

  it('ignores creationTimestamp: null and key order when comparing', () => {
    const a = makeSet();
    const b = structuredClone(a);
    b.spec.template = { spec: b.spec.template.spec, metadata: { creationTimestamp: null, labels: { app: 'web' } } };
    expect(revisionsEqual(newRevision(a, 1, 0), newRevision(b, 1, 0))).toBe(true);
    expect(newRevision(a, 1, 0).metadata.name).toBe(newRevision(b, 1, 0).metadata.name);
    expect(revisionsEqual(newRevision(a, 1, 0), newRevision(withImage(a, 'x'), 1, 0))).toBe(false);
  });
});

describe('chooseRevisions (getStatefulSetRevisions)', () => {
  const set0 = makeSet();
  const set1 = withImage(set0, 'nginx:2');
  const set2 = withImage(set0, 'nginx:3');
  const r0 = newRevision(set0, 1, 0);
  const r1 = newRevision(set1, 2, 0);
  const r2 = newRevision(set2, 3, 0);

  it('creates the initial revision', () => {
    const c = chooseRevisions(set0, []);
    expect(c.write?.kind).toBe('createRevision');
    expect(c.update.revision).toBe(1);
    expect(c.current).toBe(c.update);
  });

  it('creates a revision on update and keeps the current one', () => {
    const set = { ...set1, status: { replicas: 3, currentRevision: r0.metadata.name } };
    const c = chooseRevisions(set, [r0]);
    expect(c.write?.kind).toBe('createRevision');
    expect(c.update.revision).toBe(2);
    expect(c.current.metadata.name).toBe(r0.metadata.name);
  });

  it('does not recreate the latest revision', () => {
    const c = chooseRevisions({ ...set1, status: { replicas: 3, currentRevision: r0.metadata.name } }, [r0, r1]);
    expect(c.write).toBeUndefined();
    expect(c.update.metadata.name).toBe(r1.metadata.name);
  });

  it('rolls back by bumping an older equal revision', () => {
    const c = chooseRevisions({ ...set1, status: { replicas: 3, currentRevision: r0.metadata.name } }, [r2, r0, r1]);
    expect(c.write).toEqual({ kind: 'updateRevision', revision: { ...r1, revision: 4 } });
    expect(c.update.metadata.name).toBe(r1.metadata.name);
    expect(c.current.metadata.name).toBe(r0.metadata.name);
  });

  it('bumps the collision count when the name is taken by other data', () => {
    const squatter: ControllerRevision = { ...r1, data: { spec: { template: { other: true } } }, revision: 1 };
    const c = chooseRevisions(set1, [squatter]);
    expect(c.collisionCount).toBe(1);
    expect(c.update.metadata.name).not.toBe(r1.metadata.name);
  });
});

describe('revisionsToPrune (truncateHistory)', () => {
  it('keeps live revisions and the newest history up to the limit', () => {
    const base = makeSet({ revisionHistoryLimit: 2 });
    const revs = Array.from({ length: 6 }, (_, i) => newRevision(withImage(base, `img:${i}`), i + 1, 0));
    const pod = makePod(base, 0, 'ready', revs[1]);
    const pruned = revisionsToPrune(base, [pod], revs, revs[0]!, revs[5]!).map((r) => r.revision);
    // live: 1 (current), 2 (pod), 6 (update); history 3,4,5 ⇒ oldest one goes
    expect(pruned).toEqual([3]);
  });
});
