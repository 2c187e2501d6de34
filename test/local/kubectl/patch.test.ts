/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk deeply nested, untyped API JSON */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyPatch, PatchError, type PatchType } from '../../../src/local/kubectl/patch.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'kubia-0', labels: { app: 'kubia' }, finalizers: ['a', 'b', 'c'] },
  spec: {
    containers: [
      { name: 'kubia', image: 'luksa/kubia-pet', ports: [{ name: 'http', containerPort: 8080 }], env: [{ name: 'A', value: '1' }] },
      { name: 'side', image: 'busybox' },
    ],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-kubia-0' } }],
    tolerations: [{ key: 'x', operator: 'Exists' }],
  },
  status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] },
};

interface Row { name: string; type: PatchType; patch: unknown; kind?: string; check: (o: any) => void }

const rows: Row[] = [
  { name: 'merge: set and delete keys (RFC 7386)', type: 'merge', patch: { metadata: { labels: { app: null, tier: 'web' } } },
    check: (o) => expect(o.metadata.labels).toEqual({ tier: 'web' }) },
  { name: 'merge: lists are replaced whole', type: 'merge', patch: { spec: { containers: [{ name: 'only', image: 'x' }] } },
    check: (o) => expect(o.spec.containers).toEqual([{ name: 'only', image: 'x' }]) },
  { name: 'merge: body given as a JSON string', type: 'merge', patch: '{"spec":{"nodeName":"node-1"}}',
    check: (o) => expect(o.spec.nodeName).toBe('node-1') },
  { name: 'json: replace, add and remove (RFC 6902)', type: 'json',
    patch: [{ op: 'replace', path: '/spec/containers/0/image', value: 'v2' }, { op: 'add', path: '/metadata/labels/x', value: 'y' }, { op: 'remove', path: '/spec/tolerations' }],
    check: (o) => { expect(o.spec.containers[0].image).toBe('v2'); expect(o.metadata.labels.x).toBe('y'); expect(o.spec.tolerations).toBeUndefined(); } },
  { name: 'json: passing test op', type: 'json', patch: [{ op: 'test', path: '/metadata/name', value: 'kubia-0' }, { op: 'replace', path: '/metadata/name', value: 'z' }],
    check: (o) => expect(o.metadata.name).toBe('z') },
  { name: 'strategic: containers merge by name', type: 'strategic', patch: { spec: { containers: [{ name: 'side', image: 'busybox:2' }] } },
    check: (o) => expect(o.spec.containers.map((c: any) => [c.name, c.image])).toEqual([['kubia', 'luksa/kubia-pet'], ['side', 'busybox:2']]) },
  // Upstream order: a new element precedes server-only elements it cannot be ordered against.
  { name: 'strategic: new container goes before the live ones', type: 'strategic', patch: { spec: { containers: [{ name: 'new', image: 'n' }] } },
    check: (o) => expect(o.spec.containers.map((c: any) => c.name)).toEqual(['new', 'kubia', 'side']) },
  { name: 'strategic: patched live elements keep the live order', type: 'strategic',
    patch: { spec: { containers: [{ name: 'side', image: 's2' }, { name: 'kubia', image: 'k2' }] } },
    check: (o) => expect(o.spec.containers.map((c: any) => c.name)).toEqual(['side', 'kubia']) },
  { name: 'strategic: ports merge by containerPort inside a container', type: 'strategic',
    patch: { spec: { containers: [{ name: 'kubia', ports: [{ containerPort: 9090, name: 'metrics' }] }] } },
    check: (o) => expect(o.spec.containers[0].ports.map((p: any) => p.containerPort)).toEqual([9090, 8080]) },
  { name: 'strategic: $patch delete removes a list element', type: 'strategic', patch: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } },
    check: (o) => expect(o.spec.containers.map((c: any) => c.name)).toEqual(['kubia']) },
  { name: 'strategic: $patch replace on a list', type: 'strategic', patch: { spec: { containers: [{ $patch: 'replace' }, { name: 'solo', image: 's' }] } },
    check: (o) => expect(o.spec.containers).toEqual([{ name: 'solo', image: 's' }]) },
  { name: 'strategic: $patch replace on a map', type: 'strategic', patch: { metadata: { labels: { $patch: 'replace', only: 'me' } } },
    check: (o) => expect(o.metadata.labels).toEqual({ only: 'me' }) },
  { name: 'strategic: $patch delete on a map', type: 'strategic', patch: { status: { $patch: 'delete' } },
    check: (o) => expect(o.status).toEqual({}) },
  { name: 'strategic: atomic list (tolerations) is replaced', type: 'strategic', patch: { spec: { tolerations: [{ key: 'y', operator: 'Exists' }] } },
    check: (o) => expect(o.spec.tolerations).toEqual([{ key: 'y', operator: 'Exists' }]) },
  { name: 'strategic: conditions merge by type', type: 'strategic', patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    check: (o) => expect(o.status.conditions).toEqual([{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }]) },
  { name: 'strategic: finalizers merge as a set, interleaved by live order', type: 'strategic', patch: { metadata: { finalizers: ['b', 'd'] } },
    check: (o) => expect(o.metadata.finalizers).toEqual(['a', 'b', 'd', 'c']) },
  { name: 'strategic: patch order kept, server-only elements interleaved by live order', type: 'strategic', patch: { metadata: { finalizers: ['c', 'a'] } },
    check: (o) => expect(o.metadata.finalizers).toEqual(['b', 'c', 'a']) },
  { name: 'strategic: $deleteFromPrimitiveList', type: 'strategic', patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
    check: (o) => expect(o.metadata.finalizers).toEqual(['a', 'c']) },
  { name: 'strategic: $setElementOrder reorders merged elements', type: 'strategic',
    patch: { spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'kubia' }], containers: [{ name: 'side', image: 'b2' }] } },
    check: (o) => expect(o.spec.containers.map((c: any) => c.name)).toEqual(['side', 'kubia']) },
  { name: 'strategic: $setElementOrder on a primitive list', type: 'strategic',
    patch: { metadata: { '$setElementOrder/finalizers': ['c', 'a', 'b'] } },
    check: (o) => expect(o.metadata.finalizers).toEqual(['c', 'a', 'b']) },
  { name: 'strategic: $retainKeys drops other volume sources', type: 'strategic',
    patch: { spec: { volumes: [{ name: 'data', $retainKeys: ['emptyDir', 'name'], emptyDir: {} }] } },
    check: (o) => expect(o.spec.volumes).toEqual([{ name: 'data', emptyDir: {} }]) },
  { name: 'strategic: null deletes a field', type: 'strategic', patch: { spec: { tolerations: null } },
    check: (o) => expect('tolerations' in o.spec).toBe(false) },
  { name: 'strategic: unknown kind falls back to merge semantics with list replacement', type: 'strategic', kind: 'Widget',
    patch: { spec: { containers: [{ name: 'x' }] } }, check: (o) => expect(o.spec.containers).toEqual([{ name: 'x' }]) },
];

describe('applyPatch', () => {
  it.each(rows)('$name', ({ type, patch, kind, check }) => {
    const before = structuredClone(pod);
    const out = applyPatch(pod, type, patch, kind ?? 'Pod');
    check(out);
    expect(pod).toEqual(before);
  });

  it('applies the strategic patch kubectl apply generated (captured from kubectl 1.32)', () => {
    const original = fixture('sts-apply-original.json') as object;
    const out = applyPatch(original, 'strategic', fixture('sts-apply-patch.json'), 'StatefulSet') as any;
    expect(out.metadata.labels).toEqual({ app: 'web', tier: 'backend' });
    expect(out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('"nginx:2"');
    expect(out.spec.replicas).toBe(3);
    expect(out.spec.template.spec).toEqual({
      containers: [{
        name: 'app', image: 'nginx:2',
        ports: [{ name: 'http', containerPort: 80 }],
        env: [{ name: 'C', value: '3' }, { name: 'A', value: '1' }],
        volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'cache', mountPath: '/cache' }],
      }],
      volumes: [{ name: 'cache', hostPath: { path: '/tmp/cache' } }],
    });
    expect(out.spec.volumeClaimTemplates).toHaveLength(1);
  });

  it('applies kubectl set image and kubectl scale patches', () => {
    const sts = fixture('sts-apply-original.json') as object;
    const img = applyPatch(sts, 'strategic', { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }], containers: [{ image: 'nginx:3', name: 'app' }] } } } }, 'StatefulSet') as any;
    expect(img.spec.template.spec.containers.map((c: any) => c.image)).toEqual(['nginx:3', 'busybox']);
    const scaled = applyPatch({ spec: { replicas: 2 } }, 'merge', { spec: { replicas: 3 } }, 'Scale') as any;
    expect(scaled.spec.replicas).toBe(3);
  });

  const bad: { name: string; type: PatchType; patch: unknown; message: RegExp }[] = [
    { name: 'invalid JSON text', type: 'merge', patch: '{nope', message: /not valid JSON/ },
    { name: 'merge patch that is not an object', type: 'merge', patch: [1], message: /must be a JSON object/ },
    { name: 'json patch that is not a list', type: 'json', patch: { op: 'add' }, message: /JSON array/ },
    { name: 'json patch on a missing path', type: 'json', patch: [{ op: 'replace', path: '/spec/nope/x', value: 1 }], message: /json patch failed/ },
    { name: 'json patch failing test op', type: 'json', patch: [{ op: 'test', path: '/metadata/name', value: 'other' }], message: /json patch failed/ },
    { name: 'json patch with unknown op', type: 'json', patch: [{ op: 'frobnicate', path: '/a' }], message: /json patch failed/ },
    { name: 'strategic element without merge key', type: 'strategic', patch: { spec: { containers: [{ image: 'x' }] } }, message: /merge key: name/ },
    { name: 'strategic unknown $patch value', type: 'strategic', patch: { spec: { $patch: 'explode' } }, message: /unknown patch directive/ },
    { name: 'strategic unknown directive', type: 'strategic', patch: { spec: { $frob: 1 } }, message: /unknown patch directive \$frob/ },
    { name: 'strategic $retainKeys not a list', type: 'strategic', patch: { spec: { volumes: [{ name: 'data', $retainKeys: 'x' }] } }, message: /retainKeys/ },
    { name: 'strategic $retainKeys missing a patched key', type: 'strategic', patch: { spec: { volumes: [{ name: 'data', $retainKeys: ['name'], emptyDir: {} }] } }, message: /not listed/ },
    { name: 'unknown patch type', type: 'apply' as PatchType, patch: {}, message: /unsupported patch type/ },
  ];
  it.each(bad)('rejects $name with a PatchError', ({ type, patch, message }) => {
    let err: unknown;
    try { applyPatch(pod, type, patch, 'Pod'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(PatchError);
    expect((err as Error).message).toMatch(message);
  });
});
