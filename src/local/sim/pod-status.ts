/**
 * @module What a simulated kubelet reports for a pod bound to its node. Pure: given the pod,
 * the node's addresses, the pod's allocated IP and the clock, it returns the status the pod
 * should have, or the deletion the kubelet should finish. The shell applies it.
 *
 * Status shape follows what a kubelet writes (pkg/kubelet/status/generate.go and
 * kubelet_pods.go): phase Running with running container statuses as soon as the pod starts,
 * then the Ready/ContainersReady conditions once "probes" pass (here: after readyDelayMs).
 */
import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { podPhase, runtimeContainerStatus, type PodPhase, type RuntimeContainer } from './container-status.ts';
import { rfc3339, toMs } from './time.ts';

/** `kubectl annotate pod x sim.ordinal.dev/ready=false` holds the pod unready until removed. */
export const READY_ANNOTATION = 'sim.ordinal.dev/ready';

export interface KubeletContext {
  readonly hostIP: string;
  /** The IP allocated to this pod (the host IP for hostNetwork pods). */
  readonly podIP: string;
  readonly now: number;
  /**
   * When this kubelet started the pod's containers (epoch ms), if it remembers: the API's
   * startTime has whole-second precision, too coarse for sub-second readiness delays.
   */
  readonly startedAt?: number;
  /** When this kubelet first saw the pod's deletionTimestamp (epoch ms), if it remembers. */
  readonly deletionSeenAt?: number;
  readonly readyDelayMs: number;
  /** Upper bound of the simulated container shutdown on graceful deletion. */
  readonly shutdownMs: number;
  /** What the container runtime reports per container name, when containers really run. */
  readonly runtime?: ReadonlyMap<string, RuntimeContainer>;
}

export interface ConditionOut {
  type: string;
  status: 'True' | 'False';
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export interface PodStatusOut {
  phase: PodPhase;
  hostIP: string;
  hostIPs: { ip: string }[];
  podIP: string;
  podIPs: { ip: string }[];
  startTime: string;
  conditions: ConditionOut[];
  containerStatuses: Record<string, unknown>[];
  initContainerStatuses?: Record<string, unknown>[];
  // null clears a NodeLost reason/message the node-lifecycle controller may have left.
  reason: null;
  message: null;
}

export type KubeletAction =
  | { kind: 'none'; recheckMs?: number }
  | { kind: 'status'; status: PodStatusOut; recheckMs?: number }
  | { kind: 'delete'; uid: string }
  | { kind: 'wait'; recheckMs: number };

/** When the graceful deletion of a terminating pod should be finished (epoch ms), if it is one. */
export function deletionDeadline(pod: V1Pod, shutdownMs: number, seenAt?: number): number | undefined {
  const ts = toMs(pod.metadata?.deletionTimestamp);
  if (ts === undefined) return undefined;
  const graceMs = (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
  // deletionTimestamp = request time + grace (apiserver rest.BeforeDelete), in whole seconds;
  // when the kubelet saw the request itself it counts from then. Stopping the containers
  // takes min(grace, shutdownMs); then the kubelet deletes with grace 0.
  return (seenAt ?? ts - graceMs) + Math.min(graceMs, shutdownMs);
}

/** The kubelet's decision for one pod on its (live) node. */
export function kubeletAction(pod: V1Pod, ctx: KubeletContext): KubeletAction {
  const deadline = deletionDeadline(pod, ctx.shutdownMs, ctx.deletionSeenAt);
  if (deadline !== undefined) {
    if (ctx.now >= deadline) return { kind: 'delete', uid: pod.metadata?.uid ?? '' };
    return { kind: 'wait', recheckMs: deadline - ctx.now };
  }
  // Finished pods keep their final status (kubelet never restarts them when restartPolicy allows).
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return { kind: 'none' };
  const { status, recheckMs } = desiredPodStatus(pod, ctx);
  if (statusSignature(status) === currentSignature(pod)) {
    return recheckMs === undefined ? { kind: 'none' } : { kind: 'none', recheckMs };
  }
  return recheckMs === undefined ? { kind: 'status', status } : { kind: 'status', status, recheckMs };
}

export function isHeldUnready(pod: V1Pod): boolean {
  return pod.metadata?.annotations?.[READY_ANNOTATION] === 'false';
}

/** When the simulated containers started: remembered by the kubelet, else the API's startTime. */
function startOf(pod: V1Pod, ctx: KubeletContext): number {
  if (ctx.startedAt !== undefined) return ctx.startedAt;
  const running = pod.status?.phase === 'Running';
  return (running ? toMs(pod.status?.startTime) : undefined) ?? ctx.now;
}

function podConditions(pod: V1Pod, ready: boolean, now: number): ConditionOut[] {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const why: [string, string] | undefined = ready ? undefined : ['ContainersNotReady', `containers with unready status: [${names.join(' ')}]`];
  const old = pod.status?.conditions ?? [];
  return [
    condition(old, 'PodReadyToStartContainers', true, now),
    condition(old, 'Initialized', true, now),
    condition(old, 'Ready', ready, now, why),
    condition(old, 'ContainersReady', ready, now, why),
    condition(old, 'PodScheduled', true, now),
  ];
}

/** A container status; `running` for app containers, `terminated: Completed` for init ones. */
function containerStatus(pod: V1Pod, c: { name: string; image?: string }, at: string, ready: boolean, init: boolean): Record<string, unknown> {
  const image = c.image ?? '';
  const state = init ? { terminated: { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at } } : { running: { startedAt: at } };
  return {
    name: c.name,
    image,
    imageID: `sim://${image}`,
    containerID: `sim://${pod.metadata?.uid ?? ''}/${c.name}`,
    ready,
    started: !init,
    restartCount: 0,
    state,
  };
}

/**
 * Phase and liveness from the runtime, when containers really run (else Running, all up).
 * `probed` is true when every container has a readiness verdict from a probe, false when one
 * failed, and undefined when the kubelet's delay decides (no readiness probes).
 */
function runtimePhase(pod: V1Pod, rt: ReadonlyMap<string, RuntimeContainer> | undefined): { phase: PodPhase; allRunning: boolean; probed: boolean | undefined } {
  if (!rt) return { phase: 'Running', allRunning: true, probed: undefined };
  const containers = pod.spec?.containers ?? [];
  const verdicts = containers.map((c) => rt.get(c.name)?.readyByProbe).filter((v) => v !== undefined);
  return {
    phase: podPhase(pod.spec?.restartPolicy, containers.map((c) => rt.get(c.name))),
    allRunning: containers.every((c) => rt.get(c.name)?.state.kind === 'running'),
    probed: verdicts.length === 0 ? undefined : verdicts.every(Boolean),
  };
}

/** A readiness probe decides when there is one; without, the simulated delay does. */
function readiness(pod: V1Pod, ctx: KubeletContext, readyAt: number, held: boolean): { phase: PodPhase; allRunning: boolean; ready: boolean; delayed: boolean } {
  const { phase, allRunning, probed } = runtimePhase(pod, ctx.runtime);
  const delayed = probed === undefined && ctx.now < readyAt;
  return { phase, allRunning, delayed, ready: !held && allRunning && (probed ?? !delayed) };
}

export function desiredPodStatus(pod: V1Pod, ctx: KubeletContext): { status: PodStatusOut; recheckMs?: number } {
  const startMs = startOf(pod, ctx);
  const readyAt = startMs + ctx.readyDelayMs;
  const held = isHeldUnready(pod);
  const containers = pod.spec?.containers ?? [];
  const rt = ctx.runtime;
  const { phase, allRunning, ready, delayed } = readiness(pod, ctx, readyAt, held);
  const started = rfc3339(startMs);
  const uid = pod.metadata?.uid ?? '';
  const status: PodStatusOut = {
    phase,
    hostIP: ctx.hostIP,
    hostIPs: [{ ip: ctx.hostIP }],
    podIP: ctx.podIP,
    podIPs: [{ ip: ctx.podIP }],
    startTime: started,
    conditions: podConditions(pod, ready, ctx.now),
    containerStatuses: containers.map((c) => {
      const r = rt?.get(c.name);
      return r ? runtimeContainerStatus(uid, c, r, ready) : containerStatus(pod, c, started, ready, false);
    }),
    reason: null,
    message: null,
  };
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length > 0) status.initContainerStatuses = inits.map((c) => containerStatus(pod, c, started, true, true));
  // Recheck when the simulated readiness probe is due; a held pod waits for an annotation event.
  // Recheck when the delay is due; probes and a held pod re-queue through their own events.
  return !ready && !held && allRunning && delayed ? { status, recheckMs: Math.max(1, readyAt - ctx.now) } : { status };
}

/** A condition keeping its lastTransitionTime when its status does not change. */
function condition(
  old: readonly V1PodCondition[],
  type: string,
  ok: boolean,
  now: number,
  why?: [string, string],
): ConditionOut {
  const status = ok ? 'True' : 'False';
  const prev = old.find((c) => c.type === type);
  const since = prev?.status === status ? toMs(prev.lastTransitionTime) : undefined;
  const out: ConditionOut = { type, status, lastProbeTime: null, lastTransitionTime: rfc3339(since ?? now) };
  if (why) {
    out.reason = why[0];
    out.message = why[1];
  }
  return out;
}

/** The fields whose change warrants a status write; timestamps are left out on purpose. */
export function statusSignature(s: PodStatusOut): string {
  return JSON.stringify([
    s.phase,
    s.hostIP,
    s.podIP,
    s.podIPs.map((p) => p.ip),
    null,
    s.conditions.map((c) => [c.type, c.status]).sort(),
    s.containerStatuses.map((c) => [c.name, c.ready, Object.keys(c.state as object)[0], c.restartCount]),
  ]);
}

function currentSignature(pod: V1Pod): string {
  const s = pod.status ?? {};
  return JSON.stringify([
    s.phase,
    s.hostIP,
    s.podIP,
    (s.podIPs ?? []).map((p) => p.ip),
    s.reason ?? null,
    (s.conditions ?? []).map((c) => [c.type, c.status]).sort(),
    (s.containerStatuses ?? []).map((c) => [c.name, c.ready, Object.keys(c.state ?? {})[0], c.restartCount]),
  ]);
}
