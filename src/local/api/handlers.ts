/**
 * @module Resource request handlers: maps (verb, route, query, body) to registry calls and
 * serializes the result (objects, lists, Tables, Status). No semantics live here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, methodNotAllowed, successStatus } from './errors.ts';
import { deleteObject, type DeleteOptions } from './delete.ts';
import { decodeBody, mediaType, readBody, sendJson } from './http.ts';
import { listObjects } from './list.ts';
import type { PodBackend } from './pod-backend.ts';
import type { Registry, Target } from './registry.ts';
import { apiVersionOf, findResource } from './resources.ts';
import { checkFieldSelector, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { applyPatch, PatchError, type PatchType } from '../kubectl/patch.ts';
import { decodeProtobufBody } from '../kubectl/protobuf.ts';
import { parseIncludeObject, toTable } from '../kubectl/table.ts';
import { validateFields } from '../kubectl/validate.ts';
import type { KObject } from './store.ts';
import { bindPod, toScale, updateScale } from './subresources.ts';
import { serveWatch } from './watch.ts';

export interface HandlerContext {
  reg: Registry;
  /** The nodes' side of the streaming subresources; replaced when a runtime plugs in. */
  pods: { backend: PodBackend };
  maxBody: number;
  bookmarkIntervalMs: number;
}

export interface ResourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  t: Target;
  name: string | undefined;
  subresource: string | undefined;
  query: URLSearchParams;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
};

function wantsTable(req: IncomingMessage): boolean {
  return /as=Table/.test(req.headers.accept ?? '');
}

function intParam(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid ${key}: ${v}`);
  return Number(v);
}

function boolParam(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  return v === 'true' || v === '1';
}

function selectors(r: ResourceRequest): { labels: ReturnType<typeof parseLabelSelector>; fields: ReturnType<typeof parseFieldSelector> } {
  const labels = parseLabelSelector(r.query.get('labelSelector'));
  const fields = parseFieldSelector(r.query.get('fieldSelector'));
  checkFieldSelector(fields, r.t.id, r.t.info.plural);
  return { labels, fields };
}

/** A request's write, run in the store's next group commit; resolves once it is durable. */
function write<T>(ctx: HandlerContext, fn: () => T): Promise<T> {
  return ctx.reg.store.grouped(fn);
}

function renderOne(ctx: HandlerContext, r: ResourceRequest, obj: KObject): unknown {
  if (!wantsTable(r.req)) return obj;
  return toTable(r.t.id, [obj], ctx.reg.now(), { includeObject: parseIncludeObject(r.query.get('includeObject')) });
}

function list(ctx: HandlerContext, r: ResourceRequest): void {
  const { labels, fields } = selectors(r);
  const result = listObjects(ctx.reg.store, r.t.id, { namespace: r.t.namespace, labels, fields, limit: intParam(r.query, 'limit'), continueToken: r.query.get('continue') ?? undefined });
  const metadata: Record<string, unknown> = { resourceVersion: result.resourceVersion };
  if (result.continueToken) metadata.continue = result.continueToken;
  if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
  if (wantsTable(r.req)) {
    sendJson(r.res, 200, toTable(r.t.id, result.items, ctx.reg.now(), { includeObject: parseIncludeObject(r.query.get('includeObject')), listMeta: metadata }));
    return;
  }
  sendJson(r.res, 200, { kind: r.t.info.listKind, apiVersion: apiVersionOf(r.t.info), metadata, items: result.items });
}

function watch(ctx: HandlerContext, r: ResourceRequest): void {
  const { labels, fields } = selectors(r);
  const table = wantsTable(r.req);
  const include = parseIncludeObject(r.query.get('includeObject'));
  serveWatch(r.res, ctx.reg.store, r.t, {
    resourceVersion: r.query.get('resourceVersion') ?? undefined,
    labels, fields,
    bookmarks: boolParam(r.query, 'allowWatchBookmarks'),
    sendInitialEvents: boolParam(r.query, 'sendInitialEvents'),
    timeoutSeconds: intParam(r.query, 'timeoutSeconds'),
    bookmarkIntervalMs: ctx.bookmarkIntervalMs,
    render: (o, first) => (table ? toTable(r.t.id, [o], ctx.reg.now(), { includeObject: include, noHeaders: !first }) : o),
  });
}

async function body(ctx: HandlerContext, r: ResourceRequest): Promise<unknown> {
  const buf = await readBody(r.req, ctx.maxBody);
  return decodeBody(buf, r.req.headers['content-type'], (b) => decodeProtobufBody(b, r.t.id));
}

/** fieldValidation=Strict rejects unknown fields; Warn (the default) reports them in headers. */
function checkFields(ctx: HandlerContext, r: ResourceRequest, obj: unknown): void {
  const mode = r.query.get('fieldValidation') ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(mode)) throw badRequest(`fieldValidation must be one of "Ignore", "Warn", "Strict", got "${mode}"`);
  if (mode === 'Ignore' || typeof obj !== 'object' || obj === null) return;
  const unknown = validateFields(r.t.id, obj);
  if (!unknown.length) return;
  if (mode === 'Strict') throw badRequest(`strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`);
  r.res.setHeader('Warning', unknown.map((u) => `299 - "unknown field \\"${u}\\""`));
}

function writeOpts(r: ResourceRequest): { dryRun: boolean; subresource: 'status' | undefined } {
  return { dryRun: r.query.get('dryRun') === 'All', subresource: r.subresource === 'status' ? 'status' : undefined };
}

function patchTypeOf(r: ResourceRequest): PatchType | 'apply' {
  const type = mediaType(r.req.headers['content-type']);
  if (type === 'application/apply-patch+yaml' || type === 'application/apply-patch+cbor') return 'apply';
  const pt = PATCH_TYPES[type];
  if (!pt) throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${type || 'none'})`);
  return pt;
}

function patched(current: object, type: PatchType, patch: Buffer, kind: string): object {
  try {
    return applyPatch(current, type, patch, kind);
  } catch (err) {
    if (err instanceof PatchError) throw new ApiError(/not valid JSON/.test(err.message) ? 400 : 422, /not valid JSON/.test(err.message) ? 'BadRequest' : 'Invalid', err.message);
    throw err;
  }
}

async function patch(ctx: HandlerContext, r: ResourceRequest, name: string): Promise<void> {
  const type = patchTypeOf(r);
  const buf = await readBody(r.req, ctx.maxBody);
  if (type === 'apply') return applyServerSide(ctx, r, name, buf);
  if (r.subresource === 'scale') {
    const updated = await write(ctx, () => updateScale(ctx.reg, r.t, name, patched(toScale(ctx.reg.get(r.t, name)), type, buf, 'Scale')));
    sendJson(r.res, 200, toScale(updated));
    return;
  }
  // Read, patch and write in one step of the commit, so the patch applies to the latest object.
  const { obj } = await write(ctx, () => ctx.reg.update(r.t, name, patched(ctx.reg.get(r.t, name), type, buf, r.t.info.kind), writeOpts(r)));
  sendJson(r.res, 200, obj);
}

/** Minimal server-side apply: create when absent, else a strategic merge of the applied config. */
async function applyServerSide(ctx: HandlerContext, r: ResourceRequest, name: string, buf: Buffer): Promise<void> {
  if (!r.query.get('fieldManager')) throw badRequest('PATCH, application/apply-patch+yaml requests require fieldManager to be set');
  const cfg = decodeBody(buf, 'application/yaml') as KObject;
  const { code, obj } = await write(ctx, () => {
    const existing = ctx.reg.store.get(r.t.id, r.t.namespace, name);
    if (!existing) {
      if (r.subresource) ctx.reg.get(r.t, name); // throws NotFound: subresources never create
      return { code: 201, obj: ctx.reg.create(r.t, { ...cfg, metadata: { ...cfg.metadata, name } }, writeOpts(r)) };
    }
    const next = patched(existing, 'strategic', Buffer.from(JSON.stringify(cfg)), r.t.info.kind);
    return { code: 200, obj: ctx.reg.update(r.t, name, next, writeOpts(r)).obj };
  });
  sendJson(r.res, code, obj);
}

function deleteOptions(r: ResourceRequest, b: unknown): DeleteOptions {
  const o = (b && typeof b === 'object' ? b : {}) as DeleteOptions & { kind?: string };
  const q = r.query;
  const opts: DeleteOptions = { ...o, dryRun: q.get('dryRun') === 'All' || (Array.isArray((o as { dryRun?: unknown }).dryRun) && ((o as unknown as { dryRun: string[] }).dryRun).includes('All')) };
  // As kube-apiserver does: a DeleteOptions body wins, and the query parameters are read only without one.
  if (b && typeof b === 'object') return opts;
  const grace = intParam(q, 'gracePeriodSeconds');
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  if (q.get('propagationPolicy')) opts.propagationPolicy = q.get('propagationPolicy')!;
  if (q.get('orphanDependents')) opts.orphanDependents = q.get('orphanDependents') === 'true';
  return opts;
}

async function deleteBody(ctx: HandlerContext, r: ResourceRequest): Promise<unknown> {
  const buf = await readBody(r.req, ctx.maxBody);
  return buf.length ? decodeBody(buf, r.req.headers['content-type'] || 'application/json') : undefined;
}

async function remove(ctx: HandlerContext, r: ResourceRequest, name: string): Promise<void> {
  const opts = deleteOptions(r, await deleteBody(ctx, r));
  const result = await write(ctx, () => deleteObject(ctx.reg, r.t, name, opts));
  const strategyReturnsObject = ['pods', 'services', 'namespaces'].includes(r.t.id);
  if (!result.deleted || strategyReturnsObject) {
    sendJson(r.res, 200, result.obj);
    return;
  }
  sendJson(r.res, 200, successStatus({ name, group: r.t.info.group || undefined, kind: r.t.info.plural, uid: result.obj.metadata.uid }));
}

async function removeCollection(ctx: HandlerContext, r: ResourceRequest): Promise<void> {
  const opts = deleteOptions(r, await deleteBody(ctx, r));
  const { labels, fields } = selectors(r);
  const out = await write(ctx, () => {
    const items = listObjects(ctx.reg.store, r.t.id, { namespace: r.t.namespace, labels, fields, limit: undefined, continueToken: undefined }).items;
    const deleted: KObject[] = [];
    for (const o of items) {
      const t = { ...r.t, namespace: o.metadata.namespace };
      try {
        deleted.push(deleteObject(ctx.reg, t, o.metadata.name!, opts).obj);
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 404) throw err;
      }
    }
    return deleted;
  });
  sendJson(r.res, 200, { kind: r.t.info.listKind, apiVersion: apiVersionOf(r.t.info), metadata: { resourceVersion: String(ctx.reg.store.currentRv()) }, items: out });
}

async function itemRequest(ctx: HandlerContext, r: ResourceRequest, name: string): Promise<void> {
  const method = r.req.method;
  const sub = r.subresource;
  if (method === 'GET') {
    const obj = ctx.reg.get(r.t, name);
    return sendJson(r.res, 200, sub === 'scale' ? toScale(obj) : renderOne(ctx, r, obj));
  }
  if (method === 'PUT') {
    const b = await body(ctx, r);
    if (sub === 'scale') return sendJson(r.res, 200, toScale(await write(ctx, () => updateScale(ctx.reg, r.t, name, b))));
    if (sub === 'finalize') return sendJson(r.res, 200, await write(ctx, () => finalizeNamespace(ctx, r, name, b)));
    checkFields(ctx, r, b);
    const { obj, created } = await write(ctx, () => ctx.reg.update(r.t, name, b, writeOpts(r)));
    return sendJson(r.res, created ? 201 : 200, obj);
  }
  if (method === 'PATCH') return patch(ctx, r, name);
  if (method === 'DELETE' && !sub) return remove(ctx, r, name);
  if (method === 'POST' && sub === 'binding') {
    const b = await body(ctx, r);
    await write(ctx, () => bindPod(ctx.reg, r.t, name, b));
    return sendJson(r.res, 201, successStatus({}));
  }
  throw methodNotAllowed();
}

/** POST namespaces/<ns>/bindings: the Binding names the pod in its metadata. */
async function createBinding(ctx: HandlerContext, r: ResourceRequest): Promise<void> {
  if (r.req.method !== 'POST' || r.name !== undefined || r.t.namespace === undefined) throw methodNotAllowed();
  const b = (await body(ctx, r)) as { metadata?: { name?: string } } | null;
  const name = b?.metadata?.name;
  if (!name) throw badRequest('a Binding needs metadata.name: the name of the pod to bind');
  const podInfo = findResource('', 'v1', 'pods')!;
  const t = { info: podInfo, id: 'pods', namespace: r.t.namespace };
  await write(ctx, () => bindPod(ctx.reg, t, name, b));
  sendJson(r.res, 201, successStatus({}));
}

/** PUT namespaces/<name>/finalize: only spec.finalizers changes (namespace FinalizeREST). */
function finalizeNamespace(ctx: HandlerContext, r: ResourceRequest, name: string, b: unknown): KObject {
  const prev = ctx.reg.get(r.t, name);
  const finalizers = ((b as { spec?: { finalizers?: string[] } })?.spec?.finalizers) ?? [];
  const next = structuredClone(prev);
  next.spec = { ...(next.spec as object), finalizers };
  return ctx.reg.commitUpdate(r.t, prev, next);
}

export async function handleResource(ctx: HandlerContext, r: ResourceRequest): Promise<void> {
  const method = r.req.method;
  if (r.t.id === 'bindings') return createBinding(ctx, r);
  if (r.name !== undefined) return itemRequest(ctx, r, r.name);
  if (method === 'GET') return boolParam(r.query, 'watch') ? watch(ctx, r) : list(ctx, r);
  if (method === 'POST') {
    if (r.t.info.namespaced && r.t.namespace === undefined) throw methodNotAllowed();
    const b = await body(ctx, r);
    checkFields(ctx, r, b);
    return sendJson(r.res, 201, await write(ctx, () => ctx.reg.create(r.t, b, writeOpts(r))));
  }
  if (method === 'DELETE') return removeCollection(ctx, r);
  throw methodNotAllowed();
}
