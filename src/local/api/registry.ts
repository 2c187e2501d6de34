/**
 * @module The generic registry (k8s.io/apiserver pkg/registry/generic/registry/store.go):
 * create, update and get over the Store with per-kind strategies, optimistic concurrency
 * (a stale metadata.resourceVersion is a 409 Conflict), generateName, generation tracking, and
 * status/main-resource separation. Deletion lives in delete.ts, lists in list.ts.
 */
import { ApiError, alreadyExists, badRequest, conflict, forbidden, invalid, notFound, type StatusCause } from './errors.ts';
import { strategyFor, type ClusterView } from './kinds.ts';
import { clone, randomSuffix, rfc3339, sameJson, specPart } from './meta.ts';
import { apiVersionOf, type ResourceInfo } from './resources.ts';
import { ipInUse, nodePortsInUse } from './services.ts';
import type { KObject, Store } from './store.ts';
import { validateMeta } from './validate.ts';

/** One resource addressed by a request: which resource, and the namespace from the URL. */
export interface Target {
  info: ResourceInfo;
  /** Resource id in the store (resources.ts resourceId). */
  id: string;
  namespace: string | undefined;
}

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: 'status' | undefined;
}

const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export class Registry {
  readonly store: Store;
  readonly now: () => Date;

  constructor(store: Store, now: () => Date = () => new Date()) {
    this.store = store;
    this.now = now;
  }

  get(t: Target, name: string): KObject {
    const o = this.store.get(t.id, t.namespace, name);
    if (!o) throw notFound(t.info.group, t.info.plural, name);
    return o;
  }

  private cluster(): ClusterView {
    const svcs = this.store.list('services');
    return { usedClusterIPs: () => ipInUse(svcs), usedNodePorts: () => nodePortsInUse(svcs) };
  }

  /** Body kind/apiVersion must name this resource (or be absent), as the decoder enforces. */
  checkBody(t: Target, body: unknown, kind = t.info.kind, apiVersion = apiVersionOf(t.info)): KObject {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON or YAML object');
    const o = body as KObject;
    if (o.kind !== undefined && o.kind !== kind) {
      throw badRequest(`the object provided is unrecognized (must be of type ${kind}): kind "${String(o.kind)}" in apiVersion "${String(o.apiVersion)}"`);
    }
    if (o.apiVersion !== undefined && o.apiVersion !== apiVersion) {
      throw badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${apiVersion})`);
    }
    if (o.metadata !== undefined && (o.metadata === null || typeof o.metadata !== 'object')) throw badRequest('metadata must be an object');
    return o;
  }

  /** Namespaced writes need a live namespace (NamespaceLifecycle admission). */
  private checkNamespace(t: Target, name: string): void {
    if (!t.info.namespaced) return;
    const ns = this.store.get('namespaces', undefined, t.namespace!);
    if (!ns) throw notFound('', 'namespaces', t.namespace!);
    if (ns.metadata.deletionTimestamp) {
      throw new ApiError(403, 'Forbidden', `${t.info.plural}${t.info.group ? '.' + t.info.group : ''} "${name}" is forbidden: unable to create new content in namespace ${t.namespace} because it is being terminated`, {
        name, group: t.info.group || undefined, kind: t.info.plural,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${t.namespace} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }

  private fail(t: Target, name: string, causes: StatusCause[]): void {
    if (causes.length) throw invalid(t.info.group, t.info.kind, name, causes);
  }

  create(t: Target, body: unknown, opts: WriteOptions = {}): KObject {
    const o = clone(this.checkBody(t, body));
    const meta = (o.metadata ??= {});
    if (t.info.namespaced) {
      if (meta.namespace && meta.namespace !== t.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = t.namespace;
    } else delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    const name = meta.name ?? '';
    const strategy = strategyFor(t.id);
    this.fail(t, name, validateMeta(meta, strategy.nameRule));
    this.checkNamespace(t, name);
    o.apiVersion = apiVersionOf(t.info);
    o.kind = t.info.kind;
    meta.uid = crypto.randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    delete meta.selfLink;
    if (strategy.generation) meta.generation = 1;
    else delete meta.generation;
    if (strategy.hasStatus) delete o.status;
    this.fail(t, name, strategy.prepareCreate(o, this.cluster()));
    this.fail(t, name, strategy.validate(o));
    if (this.store.get(t.id, t.namespace, name)) throw alreadyExists(t.info.group, t.info.plural, name);
    return opts.dryRun ? o : this.store.put(t.id, o);
  }

  /** PUT. Returns the stored object and whether it was created (201) rather than updated (200). */
  update(t: Target, name: string, body: unknown, opts: WriteOptions = {}): { obj: KObject; created: boolean } {
    const b = this.checkBody(t, body);
    if (b.metadata?.name && b.metadata.name !== name) throw badRequest(`the name of the object (${b.metadata.name}) does not match the name on the URL (${name})`);
    if (t.info.namespaced && b.metadata?.namespace && b.metadata.namespace !== t.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const prev = this.store.get(t.id, t.namespace, name);
    const strategy = strategyFor(t.id);
    if (!prev) {
      if (opts.subresource || !strategy.allowCreateOnUpdate) throw notFound(t.info.group, t.info.plural, name);
      if (b.metadata?.resourceVersion) throw notFound(t.info.group, t.info.plural, name);
      return { obj: this.create(t, { ...b, metadata: { ...b.metadata, name } }, opts), created: true };
    }
    this.checkPreconditions(t, name, prev, b.metadata?.resourceVersion, b.metadata?.uid);
    const next = opts.subresource === 'status' ? this.statusUpdate(prev, b) : this.mainUpdate(t, prev, b);
    this.fail(t, name, validateMeta(next.metadata, strategy.nameRule));
    this.fail(t, name, strategy.validate(next));
    if (opts.subresource !== 'status') this.fail(t, name, strategy.validateUpdate(next, prev));
    return { obj: this.commitUpdate(t, prev, next, opts), created: false };
  }

  checkPreconditions(t: Target, name: string, prev: KObject, rv: unknown, uid: unknown): void {
    if (uid && uid !== prev.metadata.uid) {
      throw conflict(t.info.group, t.info.plural, name, `Precondition failed: UID in precondition: ${String(uid)}, UID in object meta: ${prev.metadata.uid}`);
    }
    if (rv && rv !== prev.metadata.resourceVersion) {
      throw conflict(t.info.group, t.info.plural, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
  }

  private statusUpdate(prev: KObject, body: KObject): KObject {
    const next = clone(prev);
    if (body.status === undefined) delete next.status;
    else next.status = clone(body.status);
    return next;
  }

  private mainUpdate(t: Target, prev: KObject, body: KObject): KObject {
    const next = clone(body);
    const pm = prev.metadata;
    next.apiVersion = prev.apiVersion;
    next.kind = prev.kind;
    next.metadata = { ...(next.metadata ?? {}) };
    const m = next.metadata;
    for (const k of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (pm[k] === undefined) delete m[k];
      else m[k] = pm[k] as never;
    }
    delete m.managedFields;
    delete m.selfLink;
    const strategy = strategyFor(t.id);
    if (strategy.hasStatus) {
      if (prev.status === undefined) delete next.status;
      else next.status = clone(prev.status);
    }
    strategy.prepareUpdate(next, prev);
    return next;
  }

  /** Write an update unless it changes nothing (no new resourceVersion then, like etcd3's GuaranteedUpdate). */
  commitUpdate(t: Target, prev: KObject, next: KObject, opts: WriteOptions = {}): KObject {
    const name = prev.metadata.name!;
    const strategy = strategyFor(t.id);
    const pf = prev.metadata.finalizers ?? [];
    if (prev.metadata.deletionTimestamp) {
      const added = (next.metadata.finalizers ?? []).filter((f) => !pf.includes(f));
      if (added.length) {
        this.fail(t, name, [{ reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` }]);
      }
    }
    if (strategy.generation && !sameJson(specPart(next), specPart(prev))) next.metadata.generation = (prev.metadata.generation ?? 0) + 1;
    next.metadata.resourceVersion = prev.metadata.resourceVersion;
    if (sameJson(next, prev)) return prev;
    if (opts.dryRun) return next;
    const stored = this.store.put(t.id, next);
    const m = stored.metadata;
    // The last finalizer of an object being deleted (grace already over) removes it.
    if (m.deletionTimestamp && !(m.finalizers ?? []).length && (m.deletionGracePeriodSeconds ?? 0) === 0 && !this.namespaceBlocked(t, stored)) {
      return this.store.remove(t.id, t.namespace, name) ?? stored;
    }
    return stored;
  }

  /** A namespace also waits for its spec.finalizers (the namespace controller's `kubernetes`). */
  namespaceBlocked(t: Target, o: KObject): boolean {
    return t.id === 'namespaces' && ((o.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0;
  }

  checkDeletable(t: Target, name: string): void {
    if (t.id === 'namespaces' && IMMORTAL_NAMESPACES.has(name)) throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
  }
}
