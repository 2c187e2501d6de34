/**
 * @module PATCH bodies as kube-apiserver applies them:
 *  - `merge`: JSON merge patch, RFC 7386 (application/merge-patch+json);
 *  - `json`: JSON patch, RFC 6902 (application/json-patch+json), via fast-json-patch;
 *  - `strategic`: strategic merge patch (application/strategic-merge-patch+json), the format
 *    `kubectl apply/edit/annotate/label/scale` send. Lists carrying a patch merge key in the
 *    type table (schema-defs.ts) are merged element by element; other lists are replaced.
 *    Directives: `$patch: replace|delete|merge`, `$retainKeys`, `$setElementOrder/<field>`,
 *    `$deleteFromPrimitiveList/<field>` (k8s.io/apimachinery strategicpatch semantics).
 * Pure: the input object is never modified.
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { deepEqual, normalizeOrder } from './patch-order.ts';
import { fieldsOf, parseField, typeOfKind, type Field } from './schema.ts';

export type PatchType = 'merge' | 'json' | 'strategic';

/** A patch that cannot be applied; the API server answers 422/400 with this message. */
export class PatchError extends Error {
  override readonly name = 'PatchError';
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseBody(patch: unknown): unknown {
  if (typeof patch !== 'string' && !(patch instanceof Uint8Array)) return patch;
  const text = typeof patch === 'string' ? patch : Buffer.from(patch).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PatchError(`patch body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Apply a PATCH body of the given type to `obj` (a plain API object of `kind`). */
export function applyPatch(obj: object, patchType: PatchType, patch: unknown, kind: string): object {
  const body = parseBody(patch);
  let out: unknown;
  if (patchType === 'merge') {
    if (!isObj(body)) throw new PatchError('merge patch must be a JSON object');
    out = mergePatch(obj, body);
  } else if (patchType === 'json') {
    out = jsonPatch(obj, body);
  } else if (patchType === 'strategic') {
    if (!isObj(body)) throw new PatchError('strategic merge patch must be a JSON object');
    const apiVersion = (obj as Obj).apiVersion;
    out = mergeMap(structuredClone(obj) as Obj, body, typeOfKind(kind, typeof apiVersion === 'string' ? apiVersion : undefined));
  } else {
    throw new PatchError(`unsupported patch type ${String(patchType)}`);
  }
  if (!isObj(out)) throw new PatchError('patch result is not a JSON object');
  return out;
}

/** RFC 7386 §2: objects merge recursively, null deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function jsonPatch(obj: object, body: unknown): unknown {
  if (!Array.isArray(body)) throw new PatchError('json patch must be a JSON array of operations');
  try {
    const err = jsonpatch.validate(body as Operation[], obj);
    if (err) throw err;
    return jsonpatch.applyPatch(structuredClone(obj), body as Operation[], false, true, true).newDocument;
  } catch (err) {
    const e = err as { message?: string; name?: string };
    const first = (e.message ?? String(err)).split('\n')[0];
    throw new PatchError(`json patch failed: ${first}`);
  }
}

const PATCH = '$patch';
const RETAIN = '$retainKeys';
const ORDER = '$setElementOrder/';
const DELETE_PRIM = '$deleteFromPrimitiveList/';

/** Merge a strategic patch map into `orig` (already a private copy) described by `type`. */
function mergeMap(orig: Obj, patch: Obj, type: string | undefined): Obj {
  const directive = mapDirective(patch);
  if (directive === 'replace') return stripDirectives(patch) as Obj;
  if (directive === 'delete') return {};
  const fields = type ? fieldsOf(type) : undefined;
  const out = RETAIN in patch ? retainKeys(orig, patch) : orig;
  const live = { ...out };
  const orders: [string, unknown][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === PATCH || key === RETAIN) continue;
    if (key.startsWith(ORDER)) orders.push([key.slice(ORDER.length), value]);
    else mergeKey(out, key, value, fields?.[key]);
  }
  // Orders apply last, to the merged lists.
  for (const [key, order] of orders) {
    const list = out[key];
    const liveList = live[key];
    if (Array.isArray(list)) out[key] = applyOrder(list, order, Array.isArray(liveList) ? liveList : [], fields?.[key]?.mergeKey, key);
  }
  return out;
}

/** `$patch` on a map: replace it whole, delete it, or merge (the default). */
function mapDirective(patch: Obj): 'replace' | 'delete' | 'merge' {
  const d = patch[PATCH];
  if (d === undefined || d === 'merge') return 'merge';
  if (d === 'replace' || d === 'delete') return d;
  throw new PatchError(`unknown patch directive ${PATCH}: ${JSON.stringify(d)}`);
}

/** One key of a patch map: a `$deleteFromPrimitiveList/` directive, a deletion, or a merge. */
function mergeKey(out: Obj, key: string, value: unknown, field: Field | undefined): void {
  if (key.startsWith(DELETE_PRIM)) deleteFromPrimitiveList(out, key.slice(DELETE_PRIM.length), value);
  else if (key.startsWith('$')) throw new PatchError(`unknown patch directive ${key}`);
  else if (value === null) delete out[key];
  else out[key] = mergeValue(out[key], value, field, key);
}

function mergeValue(orig: unknown, value: unknown, field: Field | undefined, key: string): unknown {
  if (Array.isArray(value)) {
    if (field?.shape === 'list' && field.strategy?.includes('merge')) {
      return mergeList(Array.isArray(orig) ? orig : [], value, field, key);
    }
    return stripDirectives(value);
  }
  if (isObj(value)) {
    if (field?.shape === 'map') return mergeMapOfValues(isObj(orig) ? orig : {}, value, field);
    const elemType = field?.shape === 'one' ? field.elem : undefined;
    return mergeMap(isObj(orig) ? orig : {}, value, elemType);
  }
  return value;
}

/** `{}T` fields (labels, resource lists): entries merge one by one. */
function mergeMapOfValues(orig: Obj, patch: Obj, field: Field): Obj {
  if (patch[PATCH] === 'replace') return stripDirectives(patch) as Obj;
  const out: Obj = { ...orig };
  const one = parseField(field.elem);
  for (const [k, v] of Object.entries(patch)) {
    if (k === PATCH) continue;
    if (v === null) delete out[k];
    else out[k] = mergeValue(out[k], v, one, k);
  }
  return out;
}

function mergeList(orig: unknown[], patch: unknown[], field: Field, key: string): unknown[] {
  const mergeKey = field.mergeKey;
  if (patch.some((e) => isObj(e) && e[PATCH] === 'replace')) {
    return stripDirectives(patch.filter((e) => !(isObj(e) && e[PATCH] === 'replace'))) as unknown[];
  }
  if (mergeKey === undefined) {
    // A merged list of primitives is a set union.
    const union: unknown[] = [];
    for (const v of [...orig, ...patch]) if (!union.some((o) => deepEqual(o, v))) union.push(v);
    return normalizeOrder(union, patch, orig, undefined);
  }
  const out = orig.map((e) => (isObj(e) ? { ...e } : e));
  const elemType = fieldsOf(field.elem) ? field.elem : undefined;
  const kept: unknown[] = [];
  for (const p of patch) {
    if (!isObj(p)) throw new PatchError(`${key}: element ${JSON.stringify(p)} of a list merged by "${mergeKey}" must be an object`);
    if (!(mergeKey in p)) throw new PatchError(`${key}: element does not contain declared merge key: ${mergeKey}`);
    const idx = out.findIndex((o) => isObj(o) && deepEqual(o[mergeKey], p[mergeKey]));
    if (p[PATCH] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    kept.push(p);
    if (idx >= 0) out[idx] = mergeMap(out[idx] as Obj, p, elemType);
    else out.push(mergeMap({}, p, elemType));
  }
  return normalizeOrder(out, kept, orig, mergeKey);
}

function retainKeys(orig: Obj, patch: Obj): Obj {
  const keep = patch[RETAIN];
  if (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string')) {
    throw new PatchError(`${RETAIN} must be a list of field names`);
  }
  for (const k of Object.keys(patch)) {
    if (!k.startsWith('$') && patch[k] !== null && !keep.includes(k)) {
      throw new PatchError(`${RETAIN}: field ${k} is patched but not listed in ${RETAIN}`);
    }
  }
  return Object.fromEntries(Object.entries(orig).filter(([k]) => keep.includes(k)));
}

function deleteFromPrimitiveList(out: Obj, key: string, values: unknown): void {
  if (!Array.isArray(values)) throw new PatchError(`${DELETE_PRIM}${key} must be a list`);
  const list = out[key];
  if (!Array.isArray(list)) return;
  out[key] = list.filter((v) => !values.some((d) => deepEqual(d, v)));
}

/** `$setElementOrder/<field>`: the final order of the elements it names (by merge key, or value for primitives). */
function applyOrder(list: unknown[], order: unknown, live: unknown[], mergeKey: string | undefined, key: string): unknown[] {
  if (!Array.isArray(order)) throw new PatchError(`${ORDER}${key} must be a list`);
  const named = order.filter((o) => !(isObj(o) && o[PATCH] === 'delete'));
  return normalizeOrder(list, named, live, mergeKey);
}

/** Remove `$`-directives from a value that replaces rather than merges. */
function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}
