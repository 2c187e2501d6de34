/**
 * @module Lookups over the compact type table of schema-defs.ts: parsed field descriptions,
 * kind → type name, and the OpenAPI definition name of a type.
 */
import { TYPES } from './schema-defs.ts';

export const PRIMITIVES: ReadonlySet<string> = new Set(['string', 'int32', 'int64', 'bool', 'number', 'time', 'quantity', 'intstr', 'bytes']);

export interface Field {
  /** One value, a list of values, or a map of string → value. */
  readonly shape: 'one' | 'list' | 'map';
  /** A primitive, `any`, or a type name of TYPES. */
  readonly elem: string;
  /** x-kubernetes-patch-strategy: `merge`, `merge,retainKeys`, or undefined (atomic / replace). */
  readonly strategy?: string;
  /** x-kubernetes-patch-merge-key (lists of objects merged by this key). */
  readonly mergeKey?: string;
}

/** Parse one field description such as `[]Container merge=name`. */
export function parseField(spec: string): Field {
  const [typ = '', ...flags] = spec.trim().split(/\s+/);
  let shape: Field['shape'] = 'one';
  let elem = typ;
  if (typ.startsWith('[]')) { shape = 'list'; elem = typ.slice(2); }
  else if (typ.startsWith('{}')) { shape = 'map'; elem = typ.slice(2); }
  if (!PRIMITIVES.has(elem) && elem !== 'any' && !(elem in TYPES)) throw new Error(`schema: unknown type ${elem} in "${spec}"`);
  const strategies: string[] = [];
  let mergeKey: string | undefined;
  for (const f of flags) {
    if (f === 'merge') strategies.push('merge');
    else if (f.startsWith('merge=')) { strategies.push('merge'); mergeKey = f.slice(6); }
    else if (f === 'retainKeys') strategies.push('retainKeys');
    else throw new Error(`schema: unknown flag ${f} in "${spec}"`);
  }
  const field: { -readonly [K in keyof Field]: Field[K] } = { shape, elem };
  if (strategies.length > 0) field.strategy = strategies.join(',');
  if (mergeKey !== undefined) field.mergeKey = mergeKey;
  return field;
}

const parsed = new Map<string, Readonly<Record<string, Field>>>();

/** The parsed fields of a type of TYPES, or undefined for primitives, `any` and unknown names. */
export function fieldsOf(typeName: string): Readonly<Record<string, Field>> | undefined {
  const hit = parsed.get(typeName);
  if (hit) return hit;
  const def = TYPES[typeName];
  if (!def) return undefined;
  const fields = Object.fromEntries(Object.entries(def[1]).map(([k, v]) => [k, parseField(v)]));
  parsed.set(typeName, fields);
  return fields;
}

/** `io.k8s.api.core.v1.Pod`: the definition name used in OpenAPI documents. */
export function definitionName(typeName: string): string {
  const def = TYPES[typeName];
  if (!def) throw new Error(`schema: unknown type ${typeName}`);
  const short = typeName.includes('.') ? typeName.slice(typeName.lastIndexOf('.') + 1) : typeName;
  return `${def[0]}.${short}`;
}

/** The type describing objects of a kind; events.k8s.io Events have their own shape. */
export function typeOfKind(kind: string, apiVersion?: string): string | undefined {
  if (kind === 'Event' && apiVersion === 'events.k8s.io/v1') return 'events.Event';
  return kind in TYPES ? kind : undefined;
}

/** Group/version/kind of each top-level type, for x-kubernetes-group-version-kind. */
export function gvkOfType(typeName: string): { group: string; version: string; kind: string } | undefined {
  const def = TYPES[typeName];
  const fields = def?.[1];
  if (!def || !fields || !('kind' in fields) || !('apiVersion' in fields)) return undefined;
  // References (ObjectReference, OwnerReference) name a kind without being one.
  if (!('metadata' in fields) && typeName !== 'DeleteOptions') return undefined;
  const m = /^io\.k8s\.(?:api\.([a-z0-9]+)|apimachinery\.pkg\.apis\.meta)\.(v[0-9a-z]+)$/.exec(def[0]);
  if (!m) return undefined;
  const pkg = m[1] ?? 'meta';
  const group = GROUP_OF_PACKAGE[pkg] ?? pkg;
  const kind = typeName.includes('.') ? typeName.slice(typeName.lastIndexOf('.') + 1) : typeName;
  return { group, version: m[2] ?? 'v1', kind };
}

const GROUP_OF_PACKAGE: Readonly<Record<string, string>> = {
  core: '', apps: 'apps', discovery: 'discovery.k8s.io', coordination: 'coordination.k8s.io',
  events: 'events.k8s.io', autoscaling: 'autoscaling', meta: '',
};
