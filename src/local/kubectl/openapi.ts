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

function resourcePaths(flavor: Flavor, res: ResourceInfo): Record<string, Schema> {
  const typeName = typeOfKind(res.kind, apiVersionOf(res));
  if (!typeName) return {};
  const gvk = { group: res.group, version: res.version, kind: res.kind };
  const def = definitionName(typeName);
  const base = `/${groupVersionPath(res)}${res.namespaced ? '/namespaces/{namespace}' : ''}/${res.plural}`;
  const scope = res.namespaced ? [param(flavor, 'namespace', 'path')] : [];
  const has = (v: string): boolean => res.verbs.includes(v);
  const write = WRITE_PARAMS.map((n): [string, string] => [n, 'string']);
  const id = (verb: string, suffix = ''): string => `${verb}${res.kind}${suffix}`;
  const collection: Schema = { parameters: scope };
  if (has('list')) collection.get = operation(flavor, id('list'), { action: 'list', typeName, gvk, response: `${def}List`, query: LIST_PARAMS });
  if (has('create')) collection.post = operation(flavor, id('create'), { action: 'post', typeName, gvk, body: def, response: def, query: write });
  if (has('deletecollection')) collection.delete = operation(flavor, id('deletecollection'), { action: 'deletecollection', typeName, gvk, response: definitionName('Status'), query: [...LIST_PARAMS, ...DELETE_PARAMS] });
  const item: Schema = { parameters: [param(flavor, 'name', 'path'), ...scope] };
  if (has('get')) item.get = operation(flavor, id('read'), { action: 'get', typeName, gvk, response: def, query: [] });
  if (has('update')) item.put = operation(flavor, id('replace'), { action: 'put', typeName, gvk, body: def, response: def, query: write });
  if (has('patch')) item.patch = operation(flavor, id('patch'), { action: 'patch', typeName, gvk, body: PATCH, response: def, query: [...write, ['force', 'boolean']] });
  if (has('delete')) item.delete = operation(flavor, id('delete'), { action: 'delete', typeName, gvk, body: definitionName('DeleteOptions'), response: definitionName('Status'), query: DELETE_PARAMS });
  const out: Record<string, Schema> = { [base]: collection, [`${base}/{name}`]: item };
  for (const [sub, info] of Object.entries(res.subresources)) {
    const subType = typeOfKind(info.kind) ?? typeName;
    const subDef = definitionName(subType);
    const subGvk = { group: info.group, version: info.version, kind: info.kind };
    const suffix = sub[0]?.toUpperCase() + sub.slice(1);
    const p: Schema = { parameters: [param(flavor, 'name', 'path'), ...scope] };
    for (const verb of info.verbs) {
      if (verb === 'get') p.get = operation(flavor, id('read', suffix), { action: 'get', typeName: subType, gvk: subGvk, response: subDef, query: [] });
      if (verb === 'update') p.put = operation(flavor, id('replace', suffix), { action: 'put', typeName: subType, gvk: subGvk, body: subDef, response: subDef, query: write });
      if (verb === 'patch') p.patch = operation(flavor, id('patch', suffix), { action: 'patch', typeName: subType, gvk: subGvk, body: PATCH, response: subDef, query: [...write, ['force', 'boolean']] });
      if (verb === 'create') p.post = operation(flavor, id('create', suffix), { action: 'post', typeName: subType, gvk: subGvk, body: subDef, response: subDef, query: write });
    }
    out[`${base}/{name}/${sub}`] = p;
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
      definitions: buildSchemas(ref('v2')),
      securityDefinitions: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer token authentication' } },
      security: [{ BearerToken: [] }],
    };
    v2Cache = { json, protobuf: encodeOpenapiV2(json) };
  }
  return v2Cache;
}

function v3Docs(): Map<string, { doc: object; hash: string }> {
  if (v3Cache) return v3Cache;
  const schemas = buildSchemas(ref('v3'));
  const byPath = new Map<string, ResourceInfo[]>();
  for (const r of RESOURCES) byPath.set(groupVersionPath(r), [...(byPath.get(groupVersionPath(r)) ?? []), r]);
  v3Cache = new Map();
  for (const [gvPath, resources] of byPath) {
    const doc = {
      openapi: '3.0.0',
      info: { title: OPENAPI_TITLE, version: OPENAPI_VERSION },
      paths: paths('v3', resources),
      components: {
        schemas,
        securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer token authentication' } },
      },
      security: [{ BearerToken: [] }],
    };
    const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase().slice(0, 128);
    v3Cache.set(gvPath, { doc, hash });
  }
  return v3Cache;
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
