/**
 * @module Pod status from what the simulated runtime reports about each container (pure):
 * container states as a kubelet writes them (running, terminated with Completed/Error, waiting
 * in CrashLoopBackOff with the last termination), and the pod phase from them and the restart
 * policy (kubelet_pods.go getPhase: a pod whose containers all ended and will not restart is
 * Succeeded, or Failed when one of them failed).
 */
import { rfc3339 } from './time.ts';

export type RuntimeState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: number }
  | { kind: 'exited'; exitCode: number; startedAt: number; finishedAt: number };

export interface RuntimeContainer {
  readonly state: RuntimeState;
  readonly restartCount: number;
  readonly lastState?: RuntimeState;
  /** The readiness probe's verdict, when the container has one. */
  readonly readyByProbe?: boolean;
}

export type PodPhase = 'Running' | 'Succeeded' | 'Failed';

function stateOut(s: RuntimeState, containerID: string): Record<string, unknown> {
  if (s.kind === 'running') return { running: { startedAt: rfc3339(s.startedAt) } };
  if (s.kind === 'waiting') return { waiting: s.message ? { reason: s.reason, message: s.message } : { reason: s.reason } };
  return { terminated: { exitCode: s.exitCode, reason: s.exitCode === 0 ? 'Completed' : 'Error', startedAt: rfc3339(s.startedAt), finishedAt: rfc3339(s.finishedAt), containerID } };
}

/** One containerStatuses entry from the runtime's view of the container. */
export function runtimeContainerStatus(uid: string, c: { name: string; image?: string }, rc: RuntimeContainer, ready: boolean): Record<string, unknown> {
  const image = c.image ?? '';
  const containerID = `sim://${uid}/${c.name}/${rc.restartCount}`;
  const out: Record<string, unknown> = {
    name: c.name, image, imageID: `sim://${image}`, containerID, ready: ready && rc.state.kind === 'running',
    started: rc.state.kind === 'running', restartCount: rc.restartCount, state: stateOut(rc.state, containerID),
  };
  if (rc.lastState) out.lastState = stateOut(rc.lastState, `sim://${uid}/${c.name}/${rc.restartCount - 1}`);
  return out;
}

/** The phase of a started pod given its containers' states and restart policy. */
export function podPhase(restartPolicy: string | undefined, containers: readonly (RuntimeContainer | undefined)[]): PodPhase {
  const exited = containers.map((c) => (c?.state.kind === 'exited' ? c.state.exitCode : undefined));
  if (containers.length === 0 || exited.some((e) => e === undefined)) return 'Running';
  const policy = restartPolicy ?? 'Always';
  const failed = exited.some((e) => e !== 0);
  if (policy === 'Never') return failed ? 'Failed' : 'Succeeded';
  if (policy === 'OnFailure' && !failed) return 'Succeeded';
  return 'Running';
}

/** Whether the runtime restarts a container that ended with `exitCode` (restartPolicy). */
export function shouldRestart(restartPolicy: string | undefined, exitCode: number): boolean {
  const policy = restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** The kubelet's crash back-off: 10 s doubling to 5 min (pkg/kubelet backOff, MaxContainerBackOff). */
export function restartDelayMs(restartCount: number): number {
  return Math.min(300_000, 10_000 * 2 ** Math.max(0, restartCount));
}
