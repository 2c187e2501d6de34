// An in-memory API for driving `plan` like upstream's fake object manager: it applies actions
// with API-server semantics (name uniqueness, Pending on create, graceful deletion), plays the
// kubelet (advancing pods), the garbage collector (ownerRefs) and a user (force delete).
import type { Action } from '../../src/controller/actions.ts';
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from '../../src/controller/types.ts';
export { rng } from '../helpers/rng.ts';


export class World {
  set: StatefulSet;
  pods = new Map<string, Pod>();
  claims = new Map<string, PersistentVolumeClaim>();
  revisions = new Map<string, ControllerRevision>();
  /** Pods on a lost node: their deletion never completes until force-deleted. */
  lost = new Set<string>();
  now = Date.parse('2026-01-01T00:00:00Z');
  creates = 0;
  errors: string[] = [];
  private uid = 0;

  constructor(set: StatefulSet) {
    this.set = structuredClone(set);
  }

  private nextUid(kind: string): string {
    return `${kind}-${++this.uid}`;
  }

  apply(actions: readonly Action[]): void {
    for (const a of actions) this.applyOne(a);
  }

  private applyOne(a: Action): void {
    switch (a.kind) {
      case 'createRevision':
        if (!this.revisions.has(a.revision.metadata.name ?? '')) this.revisions.set(a.revision.metadata.name ?? '', structuredClone(a.revision));
        return;
      case 'updateRevision':
        this.revisions.set(a.revision.metadata.name ?? '', structuredClone(a.revision));
        return;
      case 'deleteRevision':
        this.revisions.delete(a.name);
        return;
      case 'createClaim':
        if (!this.claims.has(a.claim.metadata.name ?? '')) {
          this.claims.set(a.claim.metadata.name ?? '', { ...structuredClone(a.claim), metadata: { ...structuredClone(a.claim.metadata), uid: this.nextUid('pvc') } });
        }
        return;
      case 'createPod': {
        if (this.pods.has(a.pod)) {
          this.errors.push(`AlreadyExists: pod ${a.pod}`);
          return;
        }
        this.creates++;
        const pod = structuredClone(a.object);
        pod.metadata.uid = this.nextUid('pod');
        pod.status = { phase: 'Pending' };
        this.pods.set(a.pod, pod);
        return;
      }
      case 'updatePod': {
        const cur = this.pods.get(a.pod);
        if (cur) this.pods.set(a.pod, { ...structuredClone(a.object), status: cur.status });
        return;
      }
      case 'deletePod': {
        const cur = this.pods.get(a.pod);
        if (cur && cur.metadata.uid === a.uid && !cur.metadata.deletionTimestamp) {
          cur.metadata.deletionTimestamp = new Date(this.now).toISOString();
        }
        return;
      }
      case 'updateClaimOwnerRefs': {
        const claim = this.claims.get(a.claim);
        if (claim) claim.metadata.ownerReferences = structuredClone(a.ownerReferences);
        return;
      }
      case 'updateStatus':
        this.set.status = structuredClone(a.status);
        return;
      default:
        return;
    }
  }

  /** Kubelet: move one pod one step along its life. */
  advance(name: string): void {
    const pod = this.pods.get(name);
    if (!pod) return;
    if (pod.metadata.deletionTimestamp) {
      if (!this.lost.has(name)) this.remove(name);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Pending') pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] };
    else if (phase === 'Running' && pod.status?.conditions?.[0]?.status !== 'True') this.setReady(pod, true);
  }

  setReady(pod: Pod, ready: boolean): void {
    pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date(this.now).toISOString() }] };
  }

  fail(name: string): void {
    const pod = this.pods.get(name);
    if (pod && !pod.metadata.deletionTimestamp) pod.status = { phase: 'Failed' };
  }

  /** A user's `kubectl delete pod` (graceful). */
  deleteGracefully(name: string): void {
    const pod = this.pods.get(name);
    if (pod && !pod.metadata.deletionTimestamp) pod.metadata.deletionTimestamp = new Date(this.now).toISOString();
  }

  /** Removal of the object (kubelet confirmation or force delete) plus garbage collection. */
  remove(name: string): void {
    this.pods.delete(name);
    this.lost.delete(name);
    this.collectGarbage();
  }

  collectGarbage(): void {
    const live = new Set([...this.pods.values()].map((p) => p.metadata.uid));
    for (const [name, claim] of this.claims) {
      const podRefs = (claim.metadata.ownerReferences ?? []).filter((r) => r.kind === 'Pod');
      if (podRefs.length > 0 && podRefs.every((r) => !live.has(r.uid))) this.claims.delete(name);
    }
  }

  podList(): Pod[] {
    return structuredClone([...this.pods.values()]);
  }
  claimList(): PersistentVolumeClaim[] {
    return structuredClone([...this.claims.values()]);
  }
  revisionList(): ControllerRevision[] {
    return structuredClone([...this.revisions.values()]);
  }
}
