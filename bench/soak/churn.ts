/**
 * @module Churn: StatefulSets created, scaled, rolled and deleted; readiness flipped with the
 * simulated kubelet's `sim.ordinal.dev/ready` annotation; pods deleted; nodes lost
 * (`sim.ordinal.dev/lost`) and brought back, or their pods force-deleted, or the Node deleted.
 * Every write the API acknowledges is recorded (Acks) so kill -9 restarts can be audited.
 */
import { AppsV1Api, CoordinationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1StatefulSet } from '@kubernetes/client-node';
import type { Oracle } from './oracle.ts';
import type { Rng } from './rng.ts';

export const NS = 'soak';
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** What the API acknowledged: configmap counters and StatefulSet replicas, with un-acked attempts since. */
export class Acks {
  readonly cm = new Map<string, number>();
  /** The resourceVersion each acknowledged counter write got back. */
  readonly cmRv = new Map<string, string>();
  /** set -> { acked replicas, attempted-but-unacknowledged values after it } */
  readonly replicas = new Map<string, { acked: number | 'deleted'; maybe: (number | 'deleted')[] }>();
  writes = 0;
  refused = 0;
  /** 507s and other 5xx answers, by code. */
  readonly codes: Record<string, number> = {};
}

/** The small sets' names: ten, of which at most six exist at once. */
const SET_NAMES = Array.from({ length: 10 }, (_, i) => `s${i}`);

function setManifest(name: string, replicas: number, policy: string, claims: boolean): V1StatefulSet {
  return {
    metadata: { name, namespace: NS },
    spec: {
      serviceName: name, replicas, podManagementPolicy: policy, selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', ports: [{ name: 'peer', containerPort: 7000 }] }] },
      },
      ...(claims ? { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }] } : {}),
    },
  };
}

export class Churn {
  readonly acks = new Acks();
  readonly ops: Record<string, number> = {};
  paused = false;
  /** During a fault: only pod-level churn (readiness, pod deletes, nodes), no set creates/scales/rolls/deletes. */
  light = false;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly coord: CoordinationV1Api;
  private readonly lost = new Map<string, number>();
  private readonly flipped = new Set<string>();
  private cmCounter = 0;
  private readonly rng: Rng;
  private readonly oracle: Oracle;
  readonly nodes: string[];

  constructor(kc: KubeConfig, rng: Rng, oracle: Oracle, nodes: string[]) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.coord = kc.makeApiClient(CoordinationV1Api);
    this.rng = rng;
    this.oracle = oracle;
    this.nodes = nodes;
  }

  private async write<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    this.acks.writes++;
    try {
      const r = await fn();
      this.ops[what] = (this.ops[what] ?? 0) + 1;
      return r;
    } catch (err) {
      this.acks.refused++;
      const code = String((err as { code?: number }).code ?? 'conn');
      this.acks.codes[code] = (this.acks.codes[code] ?? 0) + 1;
      return undefined;
    }
  }

  /** A release (unflip, node back): done when the write went through or the object is gone (404). */
  private async release(what: string, fn: () => Promise<unknown>): Promise<boolean> {
    let gone = false;
    const r = await this.write(what, () => fn().catch((err: unknown) => {
      if ((err as { code?: number }).code === 404) { gone = true; return true; }
      throw err;
    }));
    return gone || r !== undefined;
  }

  /** The namespace, the 100-peer sets' Services and sets (Parallel, so they come up quickly). */
  async setup(bigSets: number, peers: number): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name: NS } } }).catch(() => undefined);
    for (let i = 0; i < bigSets; i++) await this.createSet(`big${i}`, peers, 'Parallel', false);
  }

  private async createSet(name: string, replicas: number, policy: string, claims: boolean): Promise<void> {
    await this.write('service', () => this.core.createNamespacedService({ namespace: NS, body: {
      metadata: { name }, spec: { clusterIP: 'None', selector: { app: name }, ports: [{ name: 'peer', port: 7000 }, { name: 'http', port: 8080 }] },
    } })).catch(() => undefined);
    await this.setReplicas(name, replicas, () => this.apps.createNamespacedStatefulSet({ namespace: NS, body: setManifest(name, replicas, policy, claims) }), 'create-set');
  }

  private async setReplicas(name: string, value: number | 'deleted', fn: () => Promise<unknown>, op: string): Promise<void> {
    const rec = this.acks.replicas.get(name) ?? { acked: 'deleted' as const, maybe: [] };
    rec.maybe.push(value);
    this.acks.replicas.set(name, rec);
    if ((await this.write(op, fn)) !== undefined) this.acks.replicas.set(name, { acked: value, maybe: [] });
  }

  /**
   * One random operation. A counter is written on every tick to one of 16 Leases (an object no
   * controller touches, and one the embedded API serves): holderIdentity = the counter.
   */
  async tick(): Promise<void> {
    const n = ++this.cmCounter;
    const cm = `ack-${n % 16}`;
    const body = { metadata: { name: cm }, spec: { holderIdentity: String(n) } };
    const ok = await this.write('lease', () => this.coord.replaceNamespacedLease({ name: cm, namespace: NS, body })
      .catch(async (e: { code?: number }) => {
        if (e.code === 404) return this.coord.createNamespacedLease({ namespace: NS, body });
        throw e;
      }));
    if (ok) { this.acks.cm.set(cm, n); this.acks.cmRv.set(cm, ok.metadata?.resourceVersion ?? '?'); }
    if (this.paused) return;
    await this.randomOp();
  }

  private async randomOp(): Promise<void> {
    const r = this.rng;
    const sets = [...this.oracle.view.sets.values()].filter((s) => s.ns === NS);
    const small = sets.filter((s) => !s.name.startsWith('big'));
    const pods = [...this.oracle.view.pods.values()].filter((p) => p.ns === NS);
    const x = this.light ? 0.47 + r.next() * 0.53 : r.next();
    // Set names come back: a set created again under an old name finds its Service and its
    // retained claims (as upstream, they are reattached), and what the cluster holds stays
    // bounded, so that RSS after warm-up measures leaks, not Services and claims piling up.
    const free = SET_NAMES.filter((n) => !sets.some((s) => s.name === n));
    if (x < 0.12 && small.length < 6 && free.length > 0) {
      await this.createSet(r.pick(free), r.int(1, 5), r.chance(0.7) ? 'OrderedReady' : 'Parallel', r.chance(0.5));
    } else if (x < 0.32 && sets.length > 0) {
      const s = r.pick(sets);
      const to = s.name.startsWith('big') ? r.int(90, 111) : r.int(0, 6);
      await this.setReplicas(s.name, to, () => this.apps.patchNamespacedStatefulSet({ name: s.name, namespace: NS, body: { spec: { replicas: to } } }, MERGE), 'scale');
    } else if (x < 0.42 && small.length > 0) {
      // Rolls only the small sets: a 100-pod OrderedReady-style roll (one pod at a time) outlasts any reconvergence bound.
      const s = r.pick(small);
      await this.write('roll', () => this.apps.patchNamespacedStatefulSet({ name: s.name, namespace: NS,
        body: { spec: { template: { metadata: { annotations: { 'soak/roll': String(r.int(0, 1e9)) } } } } } }, MERGE));
    } else if (x < 0.47 && small.length > 2) {
      const s = r.pick(small);
      await this.setReplicas(s.name, 'deleted', () => this.apps.deleteNamespacedStatefulSet({ name: s.name, namespace: NS }), 'delete-set');
    } else if (x < 0.65 && pods.length > 0) {
      const p = r.pick(pods);
      if (this.flipped.has(p.name)) await this.unflip(p.name);
      else {
        // Held from the attempt on (as node-lost above): a hold that seemed refused may be applied.
        this.flipped.add(p.name);
        const body = { metadata: { annotations: { 'sim.ordinal.dev/ready': 'false' } } };
        await this.write('ready-flip', () => this.core.patchNamespacedPod({ name: p.name, namespace: NS, body }, MERGE));
      }
    } else if (x < 0.8 && pods.length > 0) {
      const p = r.pick(pods);
      await this.write('delete-pod', () => this.core.deleteNamespacedPod({ name: p.name, namespace: NS }));
    } else if (x < 0.9) {
      await this.nodeOp();
    }
    // Held-unready pods are released after a while so sets can reach their spec.
    for (const name of [...this.flipped]) if (r.chance(0.1)) await this.unflip(name);
  }

  // Released only once the write went through: a release refused by a fault (a full disk
  // answers 507) is tried again later, and never forgotten while the pod stays held or the node
  // lost (which left a node's 24 pods unready for good after a disk-full fault, in the e2e soak).
  private async unflip(name: string): Promise<void> {
    const body = { metadata: { annotations: { 'sim.ordinal.dev/ready': null } } };
    if (await this.release('ready-flip', () => this.core.patchNamespacedPod({ name, namespace: NS, body }, MERGE))) this.flipped.delete(name);
  }

  private async nodeOp(): Promise<void> {
    const r = this.rng;
    const now = Date.now();
    const [lostNode, since] = [...this.lost][0] ?? [];
    if (lostNode === undefined) {
      const n = r.pick(this.nodes);
      // Remembered even when the write seemed refused: it may have been applied (a kill -9 with the
      // answer in flight), and bringing back a node that was not lost is harmless.
      this.lost.set(n, now);
      await this.write('node-lost', () => this.core.patchNode({ name: n, body: { metadata: { annotations: { 'sim.ordinal.dev/lost': 'true' } } } }, MERGE));
      return;
    }
    if (now - since! < 8000) return;
    if (r.chance(0.5)) {
      // Force-delete the lost node's pods (kubectl delete --force --grace-period=0), as an operator would.
      for (const p of [...this.oracle.view.pods.values()].filter((q) => q.nodeName === lostNode)) {
        await this.write('force-delete-pod', () => this.core.deleteNamespacedPod({ name: p.name, namespace: p.ns, gracePeriodSeconds: 0 }));
      }
    }
    await this.nodeBack(lostNode);
  }

  private async nodeBack(n: string): Promise<void> {
    if (await this.release('node-back', () => this.core.patchNode({ name: n, body: { metadata: { annotations: { 'sim.ordinal.dev/lost': null } } } }, MERGE))) this.lost.delete(n);
  }

  /** Before measuring reconvergence: every node back, every pod released. */
  async quiesce(): Promise<void> {
    for (const n of [...this.lost.keys()]) await this.nodeBack(n);
    for (const p of [...this.flipped]) await this.unflip(p);
    // A release whose write failed (API down, disk full) is retried on the next quiesce.
  }
}
