/**
 * The randomised StatefulSet sequences, in the spirit of upstream's StatefulSet fuzz tests,
 * against any API the controller and the simulated nodes run on (the embedded one or a real
 * kube-apiserver): scale 0–5, template changes, readiness flips, pod deletions, node loss (then
 * force-delete or node return) and controller restarts. After the steps the world heals (the
 * lost node returns, held pods are released) and the set must converge to its spec. The audit
 * that checks identity and ordering on every pod event belongs to the caller (audit.ts,
 * watch-audit.ts); `runLanes` runs independent lanes concurrently and reports the first
 * failure with its seed and trace.
 */
import { isNotFound, paths, type Api } from '../../../src/controller/rest.ts';
import { LOST_ANNOTATION, READY_ANNOTATION } from '../../../src/local/sim/index.ts';
import type { KObject, Store } from '../../../src/local/api/index.ts';
import { rng } from '../../helpers/rng.ts';
import { createNamespace, scaleSet, setImage, setManifest, sleep, until } from './cluster.ts';
import { divergenceOf, type SetObj } from './converge.ts';

export const SET_NAME = 'web';
const CLAIM_TEMPLATE = 'data';

/** The reads a sequence needs: from the embedded store directly, or through any API. */
export interface FuzzReader {
  set(ns: string, name: string): Promise<SetObj | undefined>;
  pods(ns: string): Promise<KObject[]>;
  claimNames(ns: string): Promise<Set<string>>;
  node(name: string): Promise<KObject | undefined>;
}

export function storeReader(store: Store): FuzzReader {
  return {
    set: async (ns, name) => store.get('statefulsets.apps', ns, name) as SetObj | undefined,
    pods: async (ns) => store.list('pods', ns),
    claimNames: async (ns) => new Set(store.list('persistentvolumeclaims', ns).map((c) => c.metadata.name ?? '')),
    node: async (name) => store.get('nodes', undefined, name),
  };
}

export function apiReader(api: Api): FuzzReader {
  const get = async <T>(path: string): Promise<T | undefined> => {
    try {
      return await api.get<T>(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const items = async (path: string) => (await get<{ items: KObject[] }>(path))?.items ?? [];
  return {
    set: (ns, name) => get<SetObj>(paths.set(ns, name)),
    pods: (ns) => items(paths.pods(ns)),
    claimNames: async (ns) => new Set((await items(paths.claims(ns))).map((c) => c.metadata.name ?? '')),
    node: (name) => get<KObject>(`/api/v1/nodes/${name}`),
  };
}

/** One lane's world: its API, its nodes, and its controller to restart. */
export interface FuzzTarget {
  readonly api: Api;
  readonly read: FuzzReader;
  /** The nodes this lane's pods run on, and the ones it may lose. */
  readonly nodes: readonly string[];
  /** Stop the StatefulSet controller and start a fresh one (a crash-free restart). */
  restartController(): Promise<void>;
  /** Pins the set's pods to the lane's nodes when lanes share one cluster. */
  readonly nodeSelector?: Record<string, string>;
  /** Upper bounds: until a lost node is marked Unknown, and until the healed set converges; and how often to look. */
  readonly timeouts: { nodeLostMs: number; convergeMs: number; pollMs?: number };
  /** Told the set's policy before the set exists (an audit that cannot read the API needs it). */
  onSet?(namespace: string, policy: string): void;
}

export interface SequenceStats {
  steps: number;
  restarts: number;
}

export const namespaceOf = (seed: number): string => `fz-${seed}`;

const ignore = (p: Promise<unknown>): Promise<void> => p.then(() => undefined, () => undefined);
const nodeName = (p: KObject): string | undefined => (p.spec as { nodeName?: string } | undefined)?.nodeName;

function readyStatus(node: KObject | undefined): string | undefined {
  const conditions = (node?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.find((c) => c.type === 'Ready')?.status;
}

/**
 * One sequence, determined by `seed` and by the pods that exist when a step looks (a step
 * picks its victim among them, so timing can steer a replay). Every step is appended to
 * `trace` as it happens, with its offset from the start, so a failure can be read and replayed.
 */
export async function runSequence(t: FuzzTarget, seed: number, trace: string[]): Promise<SequenceStats> {
  const r = rng(seed);
  const pick = (n: number) => Math.floor(r() * n);
  const t0 = Date.now();
  const log = (what: string) => trace.push(`+${Date.now() - t0}ms ${what}`);
  const ns = namespaceOf(seed);
  const podPath = (p: KObject) => paths.pod(ns, p.metadata.name ?? '');
  const nodePatch = (node: string, lost: boolean) =>
    t.api.mergePatch(`/api/v1/nodes/${node}`, { metadata: { annotations: { [LOST_ANNOTATION]: lost ? 'true' : null } } });
  const pollMs = t.timeouts.pollMs ?? 25;
  const policy = r() < 0.5 ? 'OrderedReady' : 'Parallel';
  let replicas = pick(6);
  let image = 0;
  let lost: string | undefined;
  const stats: SequenceStats = { steps: 0, restarts: 0 };

  await createNamespace(t.api, ns);
  t.onSet?.(ns, policy);
  const manifest = setManifest({ name: SET_NAME, namespace: ns, replicas, policy, maxUnavailable: 1 + pick(2), nodeSelector: t.nodeSelector });
  await t.api.create(`/apis/apps/v1/namespaces/${ns}/statefulsets`, manifest);
  log(`create ${policy} replicas=${replicas}`);
  const steps = 4 + pick(5);
  for (let s = 0; s < steps; s++) {
    stats.steps++;
    const pods = await t.read.pods(ns);
    const victim = pods.length > 0 ? pods[pick(pods.length)] : undefined;
    switch (pick(7)) {
      case 0:
        replicas = pick(6);
        log(`scale ${replicas}`);
        await scaleSet(t.api, ns, SET_NAME, replicas);
        break;
      case 1:
        log(`image app:${++image}`);
        await setImage(t.api, ns, SET_NAME, `app:${image}`);
        break;
      case 2:
        if (!victim) break;
        {
          const hold = victim.metadata.annotations?.[READY_ANNOTATION] !== 'false';
          log(`${hold ? 'hold' : 'release'} ${victim.metadata.name}`);
          await ignore(t.api.mergePatch(podPath(victim), { metadata: { annotations: { [READY_ANNOTATION]: hold ? 'false' : null } } }));
        }
        break;
      case 3:
        if (!victim) break;
        log(`delete ${victim.metadata.name}`);
        await ignore(t.api.remove(podPath(victim)));
        break;
      case 4:
        if (lost) break;
        lost = t.nodes[pick(t.nodes.length)]!;
        log(`lose ${lost}`);
        await nodePatch(lost, true);
        break;
      case 5:
        if (!lost) break;
        {
          // Past the node grace period, so the node is Unknown and its pods NodeLost.
          const node = lost;
          await until(`${node} Unknown`, async () => readyStatus(await t.read.node(node)) === 'Unknown', t.timeouts.nodeLostMs, pollMs);
          if (r() < 0.5) {
            log(`return ${node}`);
            await nodePatch(node, false);
            lost = undefined;
          } else {
            const stuck = (await t.read.pods(ns)).filter((p) => nodeName(p) === node);
            log(`force-delete ${stuck.map((p) => p.metadata.name).join(',') || 'nothing'} on ${node}`);
            for (const p of stuck) await ignore(t.api.remove(podPath(p), { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }));
          }
        }
        break;
      default:
        log('restart controller');
        stats.restarts++;
        await t.restartController();
    }
    await sleep(pick(150));
  }
  // Let the world heal: the lost node returns and held pods are released, then converge.
  if (lost) {
    log(`return ${lost}`);
    await nodePatch(lost, false);
  }
  await until(`held pods released in ${ns}`, async () => {
    const held = (await t.read.pods(ns)).filter((p) => p.metadata.annotations?.[READY_ANNOTATION] === 'false');
    for (const p of held) await ignore(t.api.mergePatch(podPath(p), { metadata: { annotations: { [READY_ANNOTATION]: null } } }));
    return held.length === 0;
  }, t.timeouts.convergeMs, 2 * pollMs);
  const divergence = async () => divergenceOf(await t.read.set(ns, SET_NAME), await t.read.pods(ns), await t.read.claimNames(ns), CLAIM_TEMPLATE);
  let last: string | undefined = 'not checked';
  await until(`convergence of ${ns}`, async () => (last = await divergence()) === undefined, t.timeouts.convergeMs, pollMs).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; divergence: ${last}`);
  });
  log('converged');
  // Clean up, so later sequences of the lane do not share nodes with this one's pods; the
  // namespace goes too, which keeps the store (and every sweep over it) small.
  await t.api.remove(paths.set(ns, SET_NAME), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' });
  await t.api.remove(`/api/v1/namespaces/${ns}`);
  return stats;
}

/** A lane: a target plus the identity violations its audit has found so far. */
export interface Lane {
  readonly name: string;
  readonly target: FuzzTarget;
  violations(): readonly string[];
}

export interface FuzzReport {
  sequences: number;
  steps: number;
  restarts: number;
  ms: number;
  /** Empty when every sequence converged and no audit complained; else one entry per failure, seed and trace included. */
  failures: string[];
}

export interface RunLanesOptions {
  /** How to run one seed alone (printed with a failure). */
  reproduce(seed: number): string;
  /** Asked before each sequence: true stops the lanes (a failure elsewhere). */
  stopped?(): boolean;
  /** Told at once of each failure (to stop lanes elsewhere). */
  onFailure?(message: string): void;
}

/**
 * Run `seeds` over the lanes, each lane taking the next seed when it is free. The first failure
 * (a sequence that throws, or an audit violation) stops every lane from taking more seeds.
 */
export async function runLanes(lanes: readonly Lane[], seeds: readonly number[], opts: RunLanesOptions): Promise<FuzzReport> {
  const report: FuzzReport = { sequences: 0, steps: 0, restarts: 0, ms: 0, failures: [] };
  const traces = new Map<number, string[]>();
  const t0 = Date.now();
  let next = 0;
  const traceOf = (seed: number) => (traces.get(seed) ?? ['(no trace)']).join('; ');
  const blamed = new Set<number>();
  const fail = (lane: string, seed: number, why: string) => {
    // Lanes sharing one audit all see its violations: report each culprit once.
    if (blamed.has(seed)) return;
    blamed.add(seed);
    const message = `seed ${seed} (lane ${lane}): ${why}\n  trace: ${traceOf(seed)}\n  reproduce: ${opts.reproduce(seed)}`;
    report.failures.push(message);
    opts.onFailure?.(message);
  };

  async function drive(lane: Lane): Promise<void> {
    while (report.failures.length === 0 && !opts.stopped?.() && next < seeds.length) {
      const seed = seeds[next++]!;
      const trace: string[] = [];
      traces.set(seed, trace);
      try {
        const s = await runSequence(lane.target, seed, trace);
        report.sequences++;
        report.steps += s.steps;
        report.restarts += s.restarts;
      } catch (err) {
        fail(lane.name, seed, (err as Error).message);
        return;
      }
      const violations = lane.violations();
      if (violations.length > 0) {
        // A violation names its namespace, hence its seed (cleanups run past their sequence).
        const culprits = new Set(violations.map((v) => Number(/fz-(\d+)\//.exec(v)?.[1] ?? seed)));
        for (const c of culprits) fail(lane.name, c, `identity audit:\n    ${violations.join('\n    ')}`);
        return;
      }
    }
  }

  await Promise.all(lanes.map(drive));
  report.ms = Date.now() - t0;
  return report;
}
