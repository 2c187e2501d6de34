/**
 * @module Server-side field validation (`fieldValidation=Strict|Warn`, KEP-2885): the paths
 * of fields an object sets that its schema does not declare, written like kube-apiserver's
 * strict decoding errors (`spec.containers[0].imagePullPolicyy`). Fields typed `any` in the
 * type table are not checked below their own name.
 */
import { RESOURCES, apiVersionOf } from '../api/resources.ts';
import { fieldsOf, typeOfKind } from './schema.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The type an object sent to `resource` must match. `resource` is a plural (`pods`), a
 * resource id with its group (`events.events.k8s.io`), either optionally followed by
 * `/subresource` (`statefulsets/scale`).
 */
export function typeForResource(resource: string, obj: object): string | undefined {
  const [id = '', sub] = resource.split('/');
  const dot = id.indexOf('.');
  const plural = dot < 0 ? id : id.slice(0, dot);
  const group = dot < 0 ? undefined : id.slice(dot + 1);
  const apiVersion = (obj as Obj).apiVersion;
  const candidates = RESOURCES.filter((r) => r.plural === plural && (group === undefined || r.group === group));
  const res = candidates.find((r) => apiVersionOf(r) === apiVersion) ?? candidates[0];
  if (!res) return undefined;
  if (sub !== undefined) {
    const info = res.subresources[sub];
    if (!info || info.connect) return undefined;
    return typeOfKind(info.kind, apiVersionOf(info)) ?? typeOfKind(res.kind, apiVersionOf(res));
  }
  return typeOfKind(res.kind, apiVersionOf(res));
}

/** Unknown-field paths of `obj` for `resource`; empty when everything is declared or the resource is unknown. */
export function validateFields(resource: string, obj: object): string[] {
  const type = typeForResource(resource, obj);
  if (!type || !isObj(obj)) return [];
  const out: string[] = [];
  walk(obj, type, '', out);
  return out;
}

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

function walk(value: Obj, type: string, path: string, out: string[]): void {
  const fields = fieldsOf(type);
  if (!fields) return;
  for (const [key, v] of Object.entries(value)) {
    const f = fields[key];
    const here = join(path, key);
    if (!f) { out.push(here); continue; }
    if (!fieldsOf(f.elem) || v === null) continue;
    if (f.shape === 'one' && isObj(v)) walk(v, f.elem, here, out);
    else if (f.shape === 'list' && Array.isArray(v)) v.forEach((e, i) => { if (isObj(e)) walk(e, f.elem, `${here}[${i}]`, out); });
    else if (f.shape === 'map' && isObj(v)) for (const [k, e] of Object.entries(v)) if (isObj(e)) walk(e, f.elem, join(here, k), out);
  }
}
