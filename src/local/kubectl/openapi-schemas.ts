/**
 * @module JSON schemas of the served types, generated from the type table. The same builder
 * serves OpenAPI v2 (`#/definitions/`) and v3 (`#/components/schemas/`). Lists carry
 * `x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy`, which kubectl reads to build
 * strategic merge patches; kinds carry `x-kubernetes-group-version-kind`.
 */
import { RESOURCES } from '../api/resources.ts';
import { TYPES } from './schema-defs.ts';
import { FIELD_DOCS, REQUIRED, TYPE_DOCS } from './schema-docs.ts';
import { definitionName, fieldsOf, gvkOfType, PRIMITIVES, type Field } from './schema.ts';

type Schema = Record<string, unknown>;

export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.Time';
export const PATCH = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';

function primitive(name: string, ref: (def: string) => Schema): Schema {
  switch (name) {
    case 'string': return { type: 'string' };
    case 'int32': return { type: 'integer', format: 'int32' };
    case 'int64': return { type: 'integer', format: 'int64' };
    case 'bool': return { type: 'boolean' };
    case 'number': return { type: 'number', format: 'double' };
    case 'bytes': return { type: 'string', format: 'byte' };
    case 'time': return ref(TIME);
    case 'quantity': return ref(QUANTITY);
    case 'intstr': return ref(INT_OR_STRING);
    default: throw new Error(`schema: unknown primitive ${name}`);
  }
}

function elemSchema(elem: string, ref: (def: string) => Schema): Schema {
  if (PRIMITIVES.has(elem)) return primitive(elem, ref);
  if (elem === 'any') return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return ref(definitionName(elem));
}

function fieldSchema(f: Field, ref: (def: string) => Schema): Schema {
  const one = elemSchema(f.elem, ref);
  if (f.shape === 'map') return { type: 'object', additionalProperties: one };
  if (f.shape === 'one') return one;
  const s: Schema = { type: 'array', items: one };
  if (f.mergeKey !== undefined) s['x-kubernetes-patch-merge-key'] = f.mergeKey;
  if (f.strategy !== undefined) s['x-kubernetes-patch-strategy'] = f.strategy;
  if (f.strategy === undefined) s['x-kubernetes-list-type'] = 'atomic';
  else if (f.mergeKey !== undefined) Object.assign(s, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [f.mergeKey] });
  else s['x-kubernetes-list-type'] = 'set';
  return s;
}

/**
 * Attach a description. Upstream's v2 document puts it beside `$ref`; its v3 documents wrap
 * the reference in a one-element allOf, since OpenAPI 3.0 ignores siblings of `$ref`.
 */
function documented(s: Schema, description: string | undefined, flavor: 'v2' | 'v3'): Schema {
  if (description === undefined) return s;
  if ('$ref' in s && flavor === 'v3') return { description, allOf: [s] };
  return { ...s, description };
}

function gvkExtension(typeName: string): Schema {
  const gvk = gvkOfType(typeName);
  return gvk ? { 'x-kubernetes-group-version-kind': [gvk] } : {};
}

function listSchema(typeName: string, ref: (def: string) => Schema): Schema {
  const gvk = gvkOfType(typeName);
  return {
    description: `A list of ${typeName} objects.`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' }, kind: { type: 'string' },
      items: { type: 'array', items: ref(definitionName(typeName)) },
      metadata: ref(definitionName('ListMeta')),
    },
    ...(gvk ? { 'x-kubernetes-group-version-kind': [{ ...gvk, kind: `${gvk.kind}List` }] } : {}),
  };
}

/** Every definition, keyed by definition name; `ref` builds a reference to a definition. */
export function buildSchemas(ref: (def: string) => Schema, flavor: 'v2' | 'v3'): Record<string, Schema> {
  const out: Record<string, Schema> = {
    [QUANTITY]: { type: 'string', format: 'quantity', description: 'A fixed-point number such as 1Mi or 500m, written as a string or a number.' },
    [INT_OR_STRING]: { type: 'string', format: 'int-or-string', description: 'An integer or a string.' },
    [TIME]: { type: 'string', format: 'date-time', description: 'An RFC 3339 timestamp, serialized in UTC.' },
    [PATCH]: { type: 'object', description: 'A patch body; its format is given by the Content-Type.' },
  };
  for (const typeName of Object.keys(TYPES)) {
    const fields = fieldsOf(typeName) ?? {};
    const properties = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, documented(fieldSchema(f, ref), FIELD_DOCS[`${typeName}.${k}`], flavor)]));
    const def: Schema = { type: 'object', properties, ...gvkExtension(typeName) };
    if (TYPE_DOCS[typeName]) def.description = TYPE_DOCS[typeName];
    if (REQUIRED[typeName]) def.required = [...REQUIRED[typeName]];
    out[definitionName(typeName)] = def;
    const gvk = gvkOfType(typeName);
    if (gvk && RESOURCES.some((r) => r.kind === gvk.kind && r.group === gvk.group)) {
      out[`${definitionName(typeName)}List`] = listSchema(typeName, ref);
    }
  }
  return out;
}
