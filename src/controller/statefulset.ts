/**
 * @module The StatefulSet controller process: informers whose handlers only queue the owning
 * set's key, and `sync(key)` which re-reads the caches, adopts/releases, calls the pure
 * `plan` and executes it (level-triggered, CONTRIBUTING "Habits"). With `leaderElection`,
 * only the lease holder reconciles.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../log.ts';
import { createInformer, objectKey, type Informer } from '../kube/informer.ts';
import { createWorkQueue, TerminalError } from '../kube/workqueue.ts';
import type { Bucket } from '../kube/ratelimit.ts';
import { adoptedRefs, claimPods, claimRevisions, controllerOf, releasedRefs } from './adoption.ts';
import { admitEvent, spamKey } from './events.ts';
import { execute, type ExecContext } from './execute.ts';
import { startLeaderElection, type LeaderElector } from './leader.ts';
import { plan } from './plan.ts';
import { kubeApi, paths, type Api } from './rest.ts';
import { selectorMatches, SelectorError } from './selector.ts';
import type { ControllerRevision, ObjectMeta, PersistentVolumeClaim, Pod, StatefulSet } from './types.ts';

export interface ControllerOptions {
  log: Logger;
  namespace?: string;
  /** Full resync period (default 30 s). */
  resyncMs?: number;
  workers?: number;
  /** Campaign for this Lease and act only while holding it. */
  leaderElection?: { namespace: string; name: string; identity?: string };
  /** For tests: the write side; defaults to kubeconfig-authenticated HTTP. */
  api?: Api;
}

interface Meta { metadata: ObjectMeta }

const COMPONENT = 'statefulset-controller';

export function startStatefulSetController(kc: KubeConfig, opts: ControllerOptions): { stop(): Promise<void>; hasSynced(): boolean } {
  const log = opts.log.child({ component: 'statefulset' });
  const api = opts.api ?? kubeApi(kc);
  const scope = (group: string, resource: string) =>
    opts.namespace ? `${group}/namespaces/${opts.namespace}/${resource}` : `${group}/${resource}`;
  const mk = <T extends Meta>(path: string, name: string): Informer<T> =>
    createInformer<T>({ kc, path, log, name, resyncMs: opts.resyncMs ?? 30_000 });
  const sets = mk<StatefulSet>(scope('/apis/apps/v1', 'statefulsets'), 'statefulsets');
  const pods = mk<Pod>(scope('/api/v1', 'pods'), 'pods');
  const claims = mk<PersistentVolumeClaim>(scope('/api/v1', 'persistentvolumeclaims'), 'persistentvolumeclaims');
  const revisions = mk<ControllerRevision>(scope('/apis/apps/v1', 'controllerrevisions'), 'controllerrevisions');
  const queue = createWorkQueue({ log, name: 'statefulset' });
  let leader: LeaderElector | undefined;
  const acting = () => !leader || leader.isLeader();

  const setKey = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;
  const inNamespace = (ns: string | undefined) => sets.listNamespace(ns ?? '');

  /** Owned objects queue their controller; orphans queue every set whose selector matches. */
  const enqueueOwner = (obj: Meta) => {
    const ref = controllerOf(obj);
    if (ref) {
      if (ref.kind === 'StatefulSet') queue.add(setKey(obj.metadata.namespace, ref.name));
      return;
    }
    for (const s of inNamespace(obj.metadata.namespace)) {
      if (safeMatches(s, obj)) queue.add(objectKey(s));
    }
  };
  /** Claims carry no controller ref by default; map them back by name `<tpl>-<set>-<ordinal>`. */
  const enqueueClaim = (claim: PersistentVolumeClaim) => {
    for (const s of inNamespace(claim.metadata.namespace)) {
      const name = claim.metadata.name ?? '';
      if ((s.spec.volumeClaimTemplates ?? []).some((t) => name.startsWith(`${t.metadata.name}-${s.metadata.name}-`))) queue.add(objectKey(s));
    }
  };
  for (const ev of ['add', 'update', 'delete'] as const) {
    sets.on(ev, (s) => queue.add(objectKey(s)));
    pods.on(ev, (p, old) => {
      enqueueOwner(p);
      if (old && controllerOf(old)?.uid !== controllerOf(p)?.uid) enqueueOwner(old);
    });
    revisions.on(ev, enqueueOwner);
    claims.on(ev, enqueueClaim);
  }

  const spam = new Map<string, Bucket>();
  const writing = new Set<Promise<void>>();
  const writeEvent = async (set: StatefulSet, type: string, reason: string, message: string) => {
    const ns = set.metadata.namespace ?? 'default';
    const ts = new Date().toISOString();
    try {
      await api.create(paths.events(ns), {
        apiVersion: 'v1', kind: 'Event',
        metadata: { generateName: `${set.metadata.name}.`, namespace: ns },
        involvedObject: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name, namespace: ns, uid: set.metadata.uid, resourceVersion: set.metadata.resourceVersion },
        type, reason, message, source: { component: COMPONENT }, reportingComponent: COMPONENT,
        firstTimestamp: ts, lastTimestamp: ts, count: 1,
      });
    } catch (err) {
      log.debug({ err, reason }, 'event not recorded');
    }
  };
  /**
   * As client-go's event recorder: the write happens in the background (a sync never waits
   * for its events) and goes through the spam filter (events.ts admitEvent).
   */
  const record = async (set: StatefulSet, type: string, reason: string, message: string): Promise<void> => {
    const involved = { kind: 'StatefulSet', apiVersion: 'apps/v1', namespace: set.metadata.namespace, name: set.metadata.name, uid: set.metadata.uid };
    if (!admitEvent(spam, spamKey({ component: COMPONENT }, involved, type), Date.now())) {
      log.debug({ reason, set: set.metadata.name }, 'event dropped by the spam filter');
      return;
    }
    const p = writeEvent(set, type, reason, message).finally(() => writing.delete(p));
    writing.add(p);
  };

  async function sync(key: string): Promise<void> {
    const set = sets.get(key);
    if (!set || !acting()) return;
    const ns = set.metadata.namespace;
    let ownedPods: Pod[];
    let ownedRevs: ControllerRevision[];
    try {
      const podClaim = claimPods(set, pods.listNamespace(ns ?? ''));
      const revClaim = claimRevisions(set, revisions.listNamespace(ns ?? ''));
      await adoptAndRelease(set, podClaim.adopt, podClaim.release, (n) => paths.pod(ns ?? '', n));
      await adoptAndRelease(set, revClaim.adopt, [], (n) => paths.revision(ns ?? '', n));
      ownedPods = podClaim.owned;
      ownedRevs = revClaim.owned;
    } catch (err) {
      if (err instanceof SelectorError) throw new TerminalError(err.message);
      throw err;
    }
    const nsClaims = claims.listNamespace(ns ?? '');
    const actions = plan(set, ownedPods, nsClaims, ownedRevs, Date.now());
    if (!acting()) return;
    const ctx: ExecContext = { api, set, log: log.child({ key }), record: (t, r, m) => record(set, t, r, m), acting };
    const result = await execute(ctx, actions);
    if (result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
    if (result.error) throw result.error;
  }

  /** Adoption needs an uncached recheck that the set is still the same live object (canAdoptFunc). */
  async function adoptAndRelease(set: StatefulSet, adopt: Meta[], release: Meta[], path: (name: string) => string): Promise<void> {
    if (adopt.length > 0) {
      const fresh = await api.get<StatefulSet>(paths.set(set.metadata.namespace ?? '', set.metadata.name ?? ''));
      if (fresh.metadata.uid !== set.metadata.uid || fresh.metadata.deletionTimestamp) {
        throw new Error(`original StatefulSet ${set.metadata.name} is gone or being deleted; not adopting`);
      }
      for (const o of adopt) {
        await api.mergePatch(path(o.metadata.name ?? ''), { metadata: { uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, ownerReferences: adoptedRefs(set, o) } });
      }
    }
    for (const o of release) {
      await api.mergePatch(path(o.metadata.name ?? ''), { metadata: { uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, ownerReferences: releasedRefs(set, o) } });
    }
  }

  const informers = [sets, pods, claims, revisions];
  const start = () => {
    for (const i of informers) i.start();
    queue.start(sync, opts.workers ?? 2);
  };
  if (opts.leaderElection) {
    // Informers run on every replica so a new leader starts warm; only the leader syncs.
    for (const i of informers) i.start();
    queue.start(sync, opts.workers ?? 2);
    leader = startLeaderElection({
      // A client of its own, as kube-controller-manager's "leader-election" one: renewals never
      // wait behind a burst of pod creates in the write client's bounded pool (rest.ts).
      api: opts.api ?? kubeApi(kc), log, ...opts.leaderElection,
      onStartedLeading: () => { for (const s of sets.list()) queue.add(objectKey(s)); },
      onStoppedLeading: () => log.warn('stopped acting: not the leader'),
    });
  } else {
    start();
  }

  return {
    hasSynced: () => informers.every((i) => i.hasSynced()),
    async stop() {
      await leader?.stop();
      await queue.shutdown();
      await Promise.all(writing);
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}

function safeMatches(set: StatefulSet, obj: Meta): boolean {
  try {
    return selectorMatches(set.spec.selector, obj.metadata.labels);
  } catch {
    return false;
  }
}
