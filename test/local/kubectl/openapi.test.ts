/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk deeply nested, untyped API JSON */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { RESOURCES, apiVersionOf } from '../../../src/local/api/resources.ts';
import { typeOfKind } from '../../../src/local/kubectl/schema.ts';
import { openapiV2, openapiV3, openapiV3Index, validateFields } from '../../../src/local/kubectl/openapi.ts';
import { OpenapiV2Document } from '../../../src/local/kubectl/openapi-v2-proto.ts';

type J = Record<string, any>;

function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((e) => refs(e, out));
  else if (typeof v === 'object' && v !== null) {
    for (const [k, e] of Object.entries(v)) if (k === '$ref' && typeof e === 'string') out.push(e); else refs(e, out);
  }
  return out;
}

const GV_PATHS = ['api/v1', 'apis/apps/v1', 'apis/discovery.k8s.io/v1', 'apis/events.k8s.io/v1', 'apis/coordination.k8s.io/v1'];

describe('type table covers the resource registry', () => {
  const kinds = RESOURCES.flatMap((r) => [[r.kind, apiVersionOf(r)], ...Object.values(r.subresources).filter((s) => !s.connect).map((s) => [s.kind, apiVersionOf(s)])]);
  it.each(kinds)('%s (%s) has a schema', (kind, apiVersion) => expect(typeOfKind(kind!, apiVersion)).toBeDefined());
});

describe('openapi v3', () => {
  const index = openapiV3Index() as { paths: Record<string, { serverRelativeURL: string }> };

  it('lists every served group-version with a hashed URL', () => {
    expect(Object.keys(index.paths).sort()).toEqual([...GV_PATHS].sort());
    for (const [gv, { serverRelativeURL }] of Object.entries(index.paths)) {
      expect(serverRelativeURL).toMatch(new RegExp(`^/openapi/v3/${gv.replace(/\./g, '\\.')}\\?hash=[0-9A-F]{128}$`));
    }
    expect(openapiV3('/api/v1')).toBe(openapiV3('api/v1'));
    expect(openapiV3('apis/batch/v1')).toBeUndefined();
  });

  it.each(GV_PATHS)('%s: every $ref resolves', (gv) => {
    const doc = openapiV3(gv) as J;
    expect(doc.openapi).toBe('3.0.0');
    for (const r of refs(doc)) expect(doc.components.schemas[r.replace('#/components/schemas/', '')], r).toBeDefined();
  });

  it.each(RESOURCES.filter((r) => r.verbs.includes('patch')).map((r) => [`${r.group || 'core'}/${r.plural}`, r] as const))('%s: PATCH declares fieldValidation for its GVK', (_, r) => {
    const doc = openapiV3(r.group === '' ? 'api/v1' : `apis/${r.group}/v1`) as J;
    const patches = Object.values(doc.paths as J).map((p: J) => p.patch).filter((op: J | undefined) =>
      op && op['x-kubernetes-group-version-kind'].kind === r.kind && op['x-kubernetes-group-version-kind'].group === r.group);
    expect(patches.length).toBeGreaterThan(0);
    for (const op of patches) {
      expect(op.parameters.some((p: J) => p.name === 'fieldValidation' && p.in === 'query')).toBe(true);
      expect(Object.keys(op.requestBody.content)).toContain('application/strategic-merge-patch+json');
    }
    const kindSchemas = Object.values(doc.components.schemas as J).filter((s: J) =>
      (s['x-kubernetes-group-version-kind'] ?? []).some((g: J) => g.kind === r.kind && g.group === r.group && g.version === r.version));
    expect(kindSchemas).toHaveLength(1);
  });

  it('carries strategic-merge metadata kubectl apply reads', () => {
    const s = (openapiV3('api/v1') as J).components.schemas;
    expect(s['io.k8s.api.core.v1.PodSpec'].properties.containers).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
    expect(s['io.k8s.api.core.v1.PodSpec'].properties.volumes['x-kubernetes-patch-strategy']).toBe('merge,retainKeys');
    expect(s['io.k8s.api.core.v1.Container'].properties.ports['x-kubernetes-patch-merge-key']).toBe('containerPort');
    expect(s['io.k8s.api.core.v1.ServiceSpec'].properties.ports['x-kubernetes-patch-merge-key']).toBe('port');
    expect(s['io.k8s.api.core.v1.PodSpec'].properties.tolerations['x-kubernetes-patch-strategy']).toBeUndefined();
    expect(s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.finalizers['x-kubernetes-patch-strategy']).toBe('merge');
  });

  it('documents fields for kubectl explain and marks required ones', () => {
    const sts = (openapiV3('apis/apps/v1') as J).components.schemas['io.k8s.api.apps.v1.StatefulSetSpec'];
    expect(sts.required).toEqual(['selector', 'template']);
    expect(sts.properties.serviceName.description).toMatch(/headless Service/);
    // OpenAPI 3 ignores siblings of $ref: a documented reference is wrapped in allOf.
    expect(sts.properties.template).toEqual({ description: expect.any(String), allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec' }] });
    const v2 = (openapiV2().json as J).definitions['io.k8s.api.apps.v1.StatefulSetSpec'];
    expect(v2.properties.template).toEqual({ description: expect.any(String), $ref: '#/definitions/io.k8s.api.core.v1.PodTemplateSpec' });
  });
});

describe('openapi v2', () => {
  const { json, protobuf } = openapiV2();

  it('is a Swagger 2.0 document whose $refs resolve', () => {
    const doc = json as J;
    expect(doc.swagger).toBe('2.0');
    for (const r of refs(doc)) expect(doc.definitions[r.replace('#/definitions/', '')], r).toBeDefined();
  });

  it('round-trips through the gnostic protobuf encoding', () => {
    const msg = OpenapiV2Document.toObject(OpenapiV2Document.decode(protobuf)) as J;
    expect(msg.swagger).toBe('2.0');
    const defs = msg.definitions.additional_properties as J[];
    expect(defs.map((d) => d.name).sort()).toEqual(Object.keys((json as J).definitions).sort());
    const pod = defs.find((d) => d.name === 'io.k8s.api.core.v1.Pod')!.value;
    const gvk = pod.vendor_extension.find((e: J) => e.name === 'x-kubernetes-group-version-kind');
    expect(parseYaml(gvk.value.yaml)).toEqual([{ group: '', version: 'v1', kind: 'Pod' }]);
    const spec = pod.properties.additional_properties.find((p: J) => p.name === 'spec').value;
    expect(spec._ref).toBe('#/definitions/io.k8s.api.core.v1.PodSpec');
    const paths = msg.paths.path as J[];
    const stsPatch = paths.find((p) => p.name === '/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}')!.value.patch;
    expect(stsPatch.parameters.some((p: J) => p.parameter.non_body_parameter?.query_parameter_sub_schema?.name === 'fieldValidation')).toBe(true);
  });
});

describe('validateFields', () => {
  const rows: { name: string; resource: string; obj: object; want: string[] }[] = [
    { name: 'valid pod', resource: 'pods', obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } },
      spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '1' } } }] } }, want: [] },
    { name: 'top-level typo', resource: 'pods', obj: { apiVersion: 'v1', kind: 'Pod', metdata: {} }, want: ['metdata'] },
    { name: 'nested in a list', resource: 'pods', obj: { spec: { containers: [{ name: 'a' }, { name: 'b', imagePullPolicyy: 'Always' }] } },
      want: ['spec.containers[1].imagePullPolicyy'] },
    { name: 'several at once', resource: 'statefulsets', obj: { spec: { replica: 2, template: { spec: { containers: [{ name: 'c', volumeMount: [] }] } } } },
      want: ['spec.replica', 'spec.template.spec.containers[0].volumeMount'] },
    { name: 'fields typed any are not checked inside', resource: 'persistentvolumes', obj: { spec: { hostPath: { path: '/x', whatever: 1 } } }, want: [] },
    { name: 'scale subresource uses Scale', resource: 'statefulsets/scale', obj: { spec: { replicas: 3, paused: true } }, want: ['spec.paused'] },
    { name: 'events.k8s.io event shape', resource: 'events', obj: { apiVersion: 'events.k8s.io/v1', note: 'n', message: 'm' }, want: ['message'] },
    { name: 'resource id with group', resource: 'events.events.k8s.io', obj: { note: 'n', message: 'm' }, want: ['message'] },
    { name: 'resource id with group and subresource', resource: 'statefulsets.apps/scale', obj: { spec: { replica: 1 } }, want: ['spec.replica'] },
    { name: 'core event shape', resource: 'events', obj: { apiVersion: 'v1', note: 'n', message: 'm' }, want: ['note'] },
    { name: 'unknown resource', resource: 'widgets', obj: { anything: 1 }, want: [] },
  ];
  it.each(rows)('$name', ({ resource, obj, want }) => expect(validateFields(resource, obj)).toEqual(want));

  it('accepts every object of the book example', () => {
    const file = new URL('../../../deploy/examples/kubia.yaml', import.meta.url);
    const plural: Record<string, string> = { PersistentVolume: 'persistentvolumes', Service: 'services', StatefulSet: 'statefulsets' };
    const objs = parseAllDocuments(readFileSync(file, 'utf8')).flatMap((d) => {
      const o = d.toJS() as J;
      return o.kind === 'List' ? (o.items as J[]) : [o];
    });
    expect(objs).toHaveLength(5);
    for (const o of objs) expect(validateFields(plural[o.kind]!, o), o.kind).toEqual([]);
  });
});
