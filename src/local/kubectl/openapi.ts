/**
 * @module OpenAPI documents of the embedded API server, generated from the resource registry
 * (src/local/api/resources.ts) and the type table (schema-defs.ts).
 *
 * What kubectl does with them (observed with kubectl 1.32 `-v=8` against a stub):
 *  - `create`/`apply`/`replace` first GET /openapi/v3 and the group-version document of the
 *    object. Server-side field validation counts as supported when the PATCH operation tagged
 *    with the object's x-kubernetes-group-version-kind declares a `fieldValidation` query
 *    parameter; kubectl then sends `fieldValidation=Strict` and skips client-side validation.
 *    Without a usable v3 document it falls back to /openapi/v2 (protobuf) for client-side
 *    validation, and fails with "failed to download openapi" when neither is served.
 *  - `apply` reads x-kubernetes-patch-merge-key/-strategy from the v3 schemas to build the
 *    strategic merge patch; `explain` renders the v3 schemas.
 */
import { createHash } from 'node:crypto';
import { RESOURCES, apiVersionOf, type ResourceInfo } from '../api/resources.ts';
import { buildSchemas, PATCH } from './openapi-schemas.ts';
import { definitionName, typeOfKind } from './schema.ts';
import { encodeOpenapiV2 } from './openapi-v2-proto.ts';

type Schema = Record<string, unknown>;
type Flavor = 'v2' | 'v3';

export const OPENAPI_TITLE = 'Kubernetes';
export const OPENAPI_VERSION = 'v1.36.3';

/** `api/v1` or `apis/apps/v1`: the key of a group-version in /openapi/v3. */
export function groupVersionPath(r: { group: string; version: string }): string {
  return r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
}

const ref = (flavor: Flavor) => (def: string): Schema =>
  ({ $ref: flavor === 'v2' ? `#/definitions/${def}` : `#/components/schemas/${def}` });

function param(flavor: Flavor, name: string, where: 'query' | 'path', type = 'string'): Schema {
  const p: Schema = { name, in: where, description: `${name} (see the Kubernetes API conventions).`, uniqueItems: true };
  if (where === 'path') p.required = true;
  if (flavor === 'v2') p.type = type;
  else p.schema = { type };
  return p;
}

const WRITE_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation'];
const LIST_PARAMS: [string, string][] = [
  ['allowWatchBookmarks', 'boolean'], ['continue', 'string'], ['fieldSelector', 'string'], ['labelSelector', 'string'],
  ['limit', 'integer'], ['resourceVersion', 'string'], ['resourceVersionMatch', 'string'], ['sendInitialEvents', 'boolean'],
  ['timeoutSeconds', 'integer'], ['watch', 'boolean'],
];
const DELETE_PARAMS: [string, string][] = [
  ['dryRun', 'string'], ['gracePeriodSeconds', 'integer'], ['orphanDependents', 'boolean'], ['propagationPolicy', 'string'],
];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

interface OpSpec { action: string; typeName: string; gvk: Schema; body?: string; response: string; query: [string, string][] }

function operation(flavor: Flavor, id: string, o: OpSpec): Schema {
  const r = ref(flavor);
  const op: Schema = {
    description: `${o.action} ${o.gvk.kind as string}`,
    operationId: id,
    parameters: o.query.map(([n, t]) => param(flavor, n, 'query', t)),
    responses: flavor === 'v2'
      ? { '200': { description: 'OK', schema: r(o.response) }, '401': { description: 'Unauthorized' } }
      : { '200': { description: 'OK', content: { 'application/json': { schema: r(o.response) } } }, '401': { description: 'Unauthorized' } },
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': o.gvk,
  };
  if (o.body !== undefined) {
    const types = o.body === PATCH ? PATCH_TYPES : ['*/*'];
    if (flavor === 'v2') {
      (op.parameters as Schema[]).unshift({ name: 'body', in: 'body', required: true, schema: r(o.body) });
      if (o.body === PATCH) op.consumes = types;
    } else {
      op.requestBody = { required: true, content: Object.fromEntries(types.map((t) => [t, { schema: r(o.body as string) }])) };
    }
  }
  return op;
}

interface Ctx { flavor: Flavor; res: ResourceInfo; scope: Schema[]; write: [string, string][]; id: (verb: string, suffix?: string) => string }

function collectionPath(c: Ctx, typeName: string, gvk: Schema, def: string): Schema {
  const { flavor, res } = c;
  const p: Schema = { parameters: c.scope };
  if (res.verbs.includes('list')) p.get = operation(flavor, c.id('list'), { action: 'list', typeName, gvk, response: `${def}List`, query: LIST_PARAMS });
  if (res.verbs.includes('create')) p.post = operation(flavor, c.id('create'), { action: 'post', typeName, gvk, body: def, response: def, query: c.write });
  if (res.verbs.includes('deletecollection')) {
    p.delete = operation(flavor, c.id('deletecollection'), { action: 'deletecollection', typeName, gvk, response: definitionName('Status'), query: [...LIST_PARAMS, ...DELETE_PARAMS] });
  }
  return p;
}

/** Item paths (`…/{name}` and `…/{name}/<subresource>`): get, put, patch, delete, post. */
function itemPath(c: Ctx, verbs: readonly string[], typeName: string, gvk: Schema, suffix = ''): Schema {
  const { flavor } = c;
  const def = definitionName(typeName);
  const p: Schema = { parameters: [param(flavor, 'name', 'path'), ...c.scope] };
  const op = (verb: string, o: Omit<OpSpec, 'typeName' | 'gvk'>): Schema => operation(flavor, c.id(verb, suffix), { ...o, typeName, gvk });
  if (verbs.includes('get')) p.get = op('read', { action: 'get', response: def, query: [] });
  if (verbs.includes('update')) p.put = op('replace', { action: 'put', body: def, response: def, query: c.write });
  if (verbs.includes('patch')) p.patch = op('patch', { action: 'patch', body: PATCH, response: def, query: [...c.write, ['force', 'boolean']] });
  if (verbs.includes('delete')) p.delete = op('delete', { action: 'delete', body: definitionName('DeleteOptions'), response: definitionName('Status'), query: DELETE_PARAMS });
  if (verbs.includes('create') && suffix !== '') p.post = op('create', { action: 'post', body: def, response: def, query: c.write });
  return p;
}

function resourcePaths(flavor: Flavor, res: ResourceInfo): Record<string, Schema> {
  const typeName = typeOfKind(res.kind, apiVersionOf(res));
  if (!typeName) return {};
  const gvk = { group: res.group, version: res.version, kind: res.kind };
  const base = `/${groupVersionPath(res)}${res.namespaced ? '/namespaces/{namespace}' : ''}/${res.plural}`;
  const c: Ctx = {
    flavor, res, scope: res.namespaced ? [param(flavor, 'namespace', 'path')] : [],
    write: WRITE_PARAMS.map((n): [string, string] => [n, 'string']),
    id: (verb, suffix = '') => `${verb}${res.kind}${suffix}`,
  };
  const out: Record<string, Schema> = {
    [base]: collectionPath(c, typeName, gvk, definitionName(typeName)),
    [`${base}/{name}`]: itemPath(c, res.verbs, typeName, gvk),
  };
  for (const [sub, info] of Object.entries(res.subresources)) {
    if (info.connect) continue; // connecters have their own operations, which kubectl never reads
    const subType = typeOfKind(info.kind) ?? typeName;
    const subGvk = { group: info.group, version: info.version, kind: info.kind };
    out[`${base}/{name}/${sub}`] = itemPath(c, info.verbs, subType, subGvk, sub[0]?.toUpperCase() + sub.slice(1));
  }
  return out;
}

function paths(flavor: Flavor, resources: readonly ResourceInfo[]): Record<string, Schema> {
  return Object.assign({}, ...resources.map((r) => resourcePaths(flavor, r))) as Record<string, Schema>;
}

let v2Cache: { json: object; protobuf: Buffer } | undefined;
let v3Cache: Map<string, { doc: object; hash: string }> | undefined;

/** /openapi/v2: the JSON document and its gnostic OpenAPIv2 protobuf encoding (what kubectl asks for). */
export function openapiV2(): { json: object; protobuf: Buffer } {
  if (!v2Cache) {
    const json = {
      swagger: '2.0',
      info: { title: OPENAPI_TITLE, version: OPENAPI_VERSION },
      paths: paths('v2', RESOURCES),
      definitions: buildSchemas(ref('v2'), 'v2'),
      securityDefinitions: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer token authentication' } },
      security: [{ BearerToken: [] }],
    };
    v2Cache = { json, protobuf: encodeOpenapiV2(json) };
  }
  return v2Cache;
}

function v3Docs(): Map<string, { doc: object; hash: string }> {
  if (v3Cache) return v3Cache;
  const schemas = buildSchemas(ref('v3'), 'v3');
  const byPath = new Map<string, ResourceInfo[]>();
  for (const r of RESOURCES) byPath.set(groupVersionPath(r), [...(byPath.get(groupVersionPath(r)) ?? []), r]);
  v3Cache = new Map();
  for (const [gvPath, resources] of byPath) {
    const gvPaths = paths('v3', resources);
    const doc = {
      openapi: '3.0.0',
      info: { title: OPENAPI_TITLE, version: OPENAPI_VERSION },
      paths: gvPaths,
      components: {
        schemas: reachable(schemas, gvPaths),
        securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer token authentication' } },
      },
      security: [{ BearerToken: [] }],
    };
    const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase().slice(0, 128);
    v3Cache.set(gvPath, { doc, hash });
  }
  return v3Cache;
}

const V3_PREFIX = '#/components/schemas/';

/** The schemas referenced, directly or through other schemas, from `root`: what one group-version document needs. */
function reachable(schemas: Record<string, Schema>, root: unknown): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) { v.forEach(visit); return; }
    if (typeof v !== 'object' || v === null) return;
    for (const [k, e] of Object.entries(v)) {
      if (k === '$ref' && typeof e === 'string' && e.startsWith(V3_PREFIX)) {
        const name = e.slice(V3_PREFIX.length);
        const target = schemas[name];
        if (target && !(name in out)) { out[name] = target; visit(target); }
      } else visit(e);
    }
  };
  visit(root);
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k] as Schema]));
}

/** /openapi/v3: one entry per served group-version, each with a content-hashed URL. */
export function openapiV3Index(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [gvPath, { hash }] of v3Docs()) paths[gvPath] = { serverRelativeURL: `/openapi/v3/${gvPath}?hash=${hash}` };
  return { paths };
}

/** /openapi/v3/<path>, e.g. `api/v1` or `apis/apps/v1` (a leading slash is ignored); undefined when not served. */
export function openapiV3(groupVersionPath: string): object | undefined {
  return v3Docs().get(groupVersionPath.replace(/^\/+/, '').replace(/\/+$/, ''))?.doc;
}

export { validateFields } from './validate.ts';
