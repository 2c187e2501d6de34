/**
 * @module The garbage collector and namespace controller that kube-controller-manager would
 * run, reduced to one level-triggered sweep over the store after each burst of changes:
 * - an object all of whose owners are gone (by uid) is deleted (background propagation);
 *   dangling references next to live owners are removed;
 * - an owner with the `orphan` finalizer has its references removed from dependents, then
 *   loses the finalizer; with `foregroundDeletion` its dependents are deleted and the
 *   finalizer goes once no dependent with blockOwnerDeletion remains;
 * - a Terminating namespace is emptied, then its `kubernetes` finalizer is removed.
 */
import type { Logger } from '../../log.ts';
import { deleteObject, FINALIZER_FOREGROUND, FINALIZER_ORPHAN } from './delete.ts';
import { clone } from './meta.ts';
import type { Registry, Target } from './registry.ts';
import { apiVersionOf, RESOURCES, resourceId, type ResourceInfo } from './resources.ts';
import type { KObject, OwnerReference, StoreEvent } from './store.ts';

interface Entry { t: Target; obj: KObject }

const BY_ID = new Map<string, ResourceInfo>(RESOURCES.map((r) => [resourceId(r), r]));

function ownerInfo(ref: OwnerReference): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.kind === ref.kind && apiVersionOf(r) === ref.apiVersion);
}

export class GarbageCollector {
  private readonly reg: Registry;
  private readonly log: Logger;
  private scheduled = false;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(reg: Registry, log: Logger) {
    this.reg = reg;
    this.log = log.child({ component: 'gc' });
    this.unsubscribe = reg.store.subscribe((ev) => { if (this.mayHaveWork(ev)) this.schedule(); });
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.stopped) return;
      try {
        // One group commit (one fdatasync) for all of a sweep's writes.
        this.reg.store.batch(() => this.sweep());
      } catch (err) {
        this.log.error({ err }, 'garbage collection sweep failed');
      }
    });
  }

  /**
   * Whether an event can give a sweep anything to do. A sweep acts only on objects being
   * deleted, on dependents of a missing or deleting owner, and in Terminating namespaces, and
   * each of those states is entered or left by an event that passes this test (a deletion, a
   * deletionTimestamp, a reference to such an owner). Skipping the rest keeps a burst of
   * ordinary writes (a 100-pod scale-up) from rescanning the whole store after every request.
   */
  private mayHaveWork(ev: StoreEvent): boolean {
    if (ev.type === 'DELETED') return true;
    for (const o of [ev.object, ev.prev]) {
      if (!o) continue;
      if (o.metadata.deletionTimestamp) return true;
      for (const ref of o.metadata.ownerReferences ?? []) {
        if (!this.ownerPresent(o, ref) || this.ownerDeleting(o, ref)) return true;
      }
    }
    const ns = ev.object.metadata.namespace;
    return ns !== undefined && Boolean(this.reg.store.get('namespaces', undefined, ns)?.metadata.deletionTimestamp);
  }

  private ownerDeleting(dep: KObject, ref: OwnerReference): boolean {
    const info = ownerInfo(ref);
    if (!info) return false;
    return Boolean(this.reg.store.get(resourceId(info), info.namespaced ? dep.metadata.namespace : undefined, ref.name)?.metadata.deletionTimestamp);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
  }

  private entries(): Entry[] {
    const out: Entry[] = [];
    for (const id of this.reg.store.resources()) {
      const info = BY_ID.get(id);
      if (!info) continue;
      for (const obj of this.reg.store.list(id)) out.push({ t: { info, id, namespace: obj.metadata.namespace }, obj });
    }
    return out;
  }

  private ownerPresent(dep: KObject, ref: OwnerReference): boolean {
    const info = ownerInfo(ref);
    if (!info) return true; // a kind we do not serve cannot be verified absent
    const owner = this.reg.store.get(resourceId(info), info.namespaced ? dep.metadata.namespace : undefined, ref.name);
    return owner?.metadata.uid === ref.uid;
  }

  /** One pass; any write it makes triggers another pass, so work converges level-triggered. */
  sweep(): void {
    const all = this.entries();
    const dependents = new Map<string, Entry[]>();
    for (const e of all) {
      for (const ref of e.obj.metadata.ownerReferences ?? []) {
        const list = dependents.get(ref.uid) ?? [];
        list.push(e);
        dependents.set(ref.uid, list);
      }
    }
    for (const e of all) {
      const current = this.reg.store.get(e.t.id, e.t.namespace, e.obj.metadata.name!);
      if (!current || current.metadata.resourceVersion !== e.obj.metadata.resourceVersion) continue;
      this.syncOwner(e, dependents.get(e.obj.metadata.uid!) ?? []);
      this.syncDependent(e);
    }
  }

  private safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.debug({ err, what }, 'gc step skipped');
    }
  }

  private syncOwner(e: Entry, deps: Entry[]): void {
    const m = e.obj.metadata;
    if (!m.deletionTimestamp) return;
    const finalizers = m.finalizers ?? [];
    if (finalizers.includes(FINALIZER_ORPHAN)) {
      for (const d of deps) this.safely('orphan', () => this.dropRefs(d, (r) => r.uid === m.uid));
      this.safely('orphan finalizer', () => this.dropFinalizer(e, FINALIZER_ORPHAN));
    } else if (finalizers.includes(FINALIZER_FOREGROUND)) {
      let blocking = 0;
      for (const d of deps) {
        const live = this.reg.store.get(d.t.id, d.t.namespace, d.obj.metadata.name!);
        if (!live) continue;
        const ref = live.metadata.ownerReferences?.find((r) => r.uid === m.uid);
        if (ref?.blockOwnerDeletion) blocking++;
        if (!live.metadata.deletionTimestamp) {
          const policy = ref?.blockOwnerDeletion ? 'Foreground' : 'Background';
          this.safely('foreground delete', () => deleteObject(this.reg, d.t, live.metadata.name!, { propagationPolicy: policy }));
        }
      }
      if (blocking === 0) this.safely('foreground finalizer', () => this.dropFinalizer(e, FINALIZER_FOREGROUND));
    }
    if (e.t.id === 'namespaces') this.finalizeNamespace(e);
  }

  private syncDependent(e: Entry): void {
    const refs = e.obj.metadata.ownerReferences ?? [];
    if (!refs.length || e.obj.metadata.deletionTimestamp) return;
    const absent = refs.filter((r) => !this.ownerPresent(e.obj, r));
    if (!absent.length) return;
    if (absent.length === refs.length) {
      this.safely('delete dependent', () => deleteObject(this.reg, e.t, e.obj.metadata.name!, {
        preconditions: { uid: e.obj.metadata.uid },
      }));
    } else {
      this.safely('drop dangling refs', () => this.dropRefs(e, (r) => absent.includes(r)));
    }
  }

  private dropRefs(e: Entry, drop: (r: OwnerReference) => boolean): void {
    const live = this.reg.store.get(e.t.id, e.t.namespace, e.obj.metadata.name!);
    if (!live) return;
    const next = clone(live);
    const refs = (next.metadata.ownerReferences ?? []).filter((r) => !drop(r));
    if (refs.length === (live.metadata.ownerReferences ?? []).length) return;
    if (refs.length) next.metadata.ownerReferences = refs;
    else delete next.metadata.ownerReferences;
    this.reg.commitUpdate(e.t, live, next);
  }

  private dropFinalizer(e: Entry, name: string): void {
    const live = this.reg.store.get(e.t.id, e.t.namespace, e.obj.metadata.name!);
    if (!live) return;
    const next = clone(live);
    const f = (next.metadata.finalizers ?? []).filter((x) => x !== name);
    if (f.length) next.metadata.finalizers = f;
    else delete next.metadata.finalizers;
    this.reg.commitUpdate(e.t, live, next);
  }

  /** Namespace controller: delete everything inside, then release the `kubernetes` finalizer. */
  private finalizeNamespace(e: Entry): void {
    const ns = e.obj.metadata.name!;
    let remaining = 0;
    for (const id of this.reg.store.resources()) {
      const info = BY_ID.get(id);
      if (!info?.namespaced) continue;
      for (const o of this.reg.store.list(id, ns)) {
        remaining++;
        if (!o.metadata.deletionTimestamp) {
          this.safely('namespace content', () => deleteObject(this.reg, { info, id, namespace: ns }, o.metadata.name!, {}));
        }
      }
    }
    if (remaining > 0) return;
    const live = this.reg.store.get('namespaces', undefined, ns);
    const spec = live?.spec as { finalizers?: string[] } | undefined;
    if (!live || !(spec?.finalizers ?? []).length) return;
    const next = clone(live);
    next.spec = { ...spec, finalizers: [] };
    this.safely('namespace finalize', () => this.reg.commitUpdate(e.t, live, next));
  }
}
