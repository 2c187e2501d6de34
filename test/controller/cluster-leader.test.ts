// Two controller replicas against one embedded API, leader election on a Lease. The leader
// "crashes" mid-rollout of a template change: from that instant every request it would send
// fails (it cannot renew, cannot write, and cannot release the lease on stop), as a killed or
// partitioned process. The other replica must take over once the lease expires and finish the
// rollout without a duplicate pod and without redoing pods already updated; at every write the
// lease in the store must name the writer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/controller/rest.ts';
import { LEASE_DURATION_S } from '../../src/controller/leader.ts';
import { PodAudit } from './helpers/audit.ts';
import { divergence, getSet, podsOfSet } from './helpers/converge.ts';
import {
  createNamespace, setImage, setManifest, startController, startSimCluster, until, type Controller, type SimCluster,
} from './helpers/cluster.ts';

const LEASE = { namespace: 'kube-system', name: 'ordinal-test' };
const NS = 'leader';
const NAME = 'web';
const REPLICAS = 5;

interface Replica { id: string; api: Api; writes: number; crash(): void }

describe('two controller replicas with leader election', () => {
  let c: SimCluster;
  let audit: PodAudit;
  const violations: string[] = [];
  const ctls: Controller[] = [];

  const holder = (): string | undefined =>
    (c.local.store.get('leases.coordination.k8s.io', LEASE.namespace, LEASE.name) as { spec?: { holderIdentity?: string } } | undefined)?.spec?.holderIdentity;

  /** The replica's whole write side: writes are checked against the lease; after crash() nothing leaves the process. */
  function replica(id: string): Replica {
    let dead = false;
    const r: Replica = { id, writes: 0, crash: () => { dead = true; }, api: undefined as unknown as Api };
    const guard = <T>(method: string, path: string, call: () => Promise<T>): Promise<T> => {
      if (dead) return Promise.reject(new Error(`${id} has crashed`));
      if (method !== 'GET' && !path.includes('/leases')) {
        r.writes++;
        const h = holder();
        if (h !== id) violations.push(`${id} ${method} ${path} while the lease is held by ${h ?? 'nobody'}`);
      }
      return call();
    };
    r.api = {
      get: (p) => guard('GET', p, () => c.api.get(p)),
      create: (p, b) => guard('POST', p, () => c.api.create(p, b)),
      replace: (p, b) => guard('PUT', p, () => c.api.replace(p, b)),
      mergePatch: (p, b) => guard('PATCH', p, () => c.api.mergePatch(p, b)),
      remove: (p, b) => guard('DELETE', p, () => c.api.remove(p, b)),
    };
    return r;
  }

  beforeAll(async () => {
    // A slower readiness makes the rollout long enough to crash in the middle of it.
    c = await startSimCluster({ readyDelayMs: 400, gracePeriodMs: 500, heartbeatMs: 100, shutdownMs: 20 });
    audit = new PodAudit(c.local.store);
  });
  afterAll(async () => {
    audit?.stop();
    for (const ctl of ctls) await ctl.stop();
    await c?.close();
  });

  it('the survivor finishes the rollout the crashed leader started: no duplicate, no lost progress, only the leader writes', async () => {
    await createNamespace(c.api, NS);
    await c.api.create(`/apis/apps/v1/namespaces/${NS}/statefulsets`, setManifest({ name: NAME, namespace: NS, replicas: REPLICAS, policy: 'OrderedReady' }));
    const a = replica('replica-a');
    const b = replica('replica-b');
    ctls.push(startController(c.kc, { api: a.api, leaderElection: { ...LEASE, identity: a.id } }));
    await until('replica-a leads', () => holder() === a.id, 10_000);
    ctls.push(startController(c.kc, { api: b.api, leaderElection: { ...LEASE, identity: b.id } }));
    await until('initial rollout', () => divergence(c.local.store, NS, NAME, 'data') === undefined, 20_000);
    const oldRev = getSet(c.local.store, NS, NAME)?.status?.updateRevision;
    expect(b.writes).toBe(0);

    await setImage(c.api, NS, NAME, 'app:2');
    // Crash once some, but not all, pods run the new revision.
    const updated = await until('rollout under way', () => {
      const rev = getSet(c.local.store, NS, NAME)?.status?.updateRevision;
      if (!rev || rev === oldRev) return undefined;
      const done = podsOfSet(c.local.store, NS, NAME).filter((p) => p.metadata.labels?.['controller-revision-hash'] === rev);
      return done.length >= 2 ? done : undefined;
    }, 20_000, 5);
    a.crash();
    const crashedAt = Date.now();
    const newRev = updated[0]!.metadata.labels?.['controller-revision-hash'];
    const updatedUids = new Map(updated.map((p) => [p.metadata.name, p.metadata.uid]));
    expect(updated.length).toBeLessThan(REPLICAS);

    await until('replica-b takes over', () => holder() === b.id, (LEASE_DURATION_S + 10) * 1000, 50);
    const takeover = Date.now() - crashedAt;
    await until('rollout completes under replica-b', () => divergence(c.local.store, NS, NAME, 'data') === undefined, 20_000);

    const set = getSet(c.local.store, NS, NAME);
    expect(set?.status?.updateRevision).toBe(newRev);
    // No lost progress: pods updated before the crash were not replaced again.
    for (const [name, uid] of updatedUids) expect(c.local.store.get('pods', NS, name ?? '')?.metadata.uid, name).toBe(uid);
    expect(b.writes).toBeGreaterThan(0);
    expect(violations).toEqual([]);
    expect(audit.violations).toEqual([]);
    const lease = c.local.store.get('leases.coordination.k8s.io', LEASE.namespace, LEASE.name) as { spec?: { leaseTransitions?: number } };
    expect(lease.spec?.leaseTransitions).toBe(1);
    // The lease was not released by the crashed holder: the takeover waited for expiry.
    expect(takeover).toBeGreaterThan((LEASE_DURATION_S - 3) * 1000);
    console.log(`cluster-leader: ${updated.length}/${REPLICAS} updated at the crash, takeover after ${takeover} ms, ${a.writes} writes by a, ${b.writes} by b`);
  }, 60_000);
});
