/**
 * @module The pod row of `kubectl get pods`, following upstream printPod: READY counts ready
 * running containers (plus started restartable init containers), STATUS starts from the phase
 * or `status.reason` and is overridden by init-container progress, the last waiting or
 * terminated container reason, and finally by deletion: a deleted pod is `Terminating`, or
 * `Unknown` when the node lifecycle controller marked it `NodeLost` (node unreachable).
 */
import { since } from './age.ts';

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** status.reason the node lifecycle controller writes on pods of an unreachable node. */
export const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

interface Progress { reason: string; restarts: number; ready: number; lastRestart: number }

export function podCells(pod: Obj, now: Date): unknown[] {
  const meta = obj(pod.metadata);
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const containers = arr(spec.containers);
  const initSpecs = arr(spec.initContainers);
  const sidecars = new Set(initSpecs.filter((c) => c.restartPolicy === 'Always').map((c) => str(c.name)));
  const p: Progress = { reason: str(status.reason) || str(status.phase), restarts: 0, ready: 0, lastRestart: 0 };
  const total = containers.length + sidecars.size;

  const initializing = initContainers(p, arr(status.initContainerStatuses), sidecars, initSpecs.length);
  const conditions = arr(status.conditions);
  if (!initializing || conditionTrue(conditions, 'Initialized')) {
    p.restarts = sidecarRestarts(arr(status.initContainerStatuses), sidecars);
    mainContainers(p, arr(status.containerStatuses), conditions);
  }
  const phase = str(status.phase);
  if (meta.deletionTimestamp && status.reason === NODE_UNREACHABLE_POD_REASON) p.reason = 'Unknown';
  else if (meta.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') p.reason = 'Terminating';

  return [str(meta.name), `${p.ready}/${total}`, p.reason, restartsCell(p, now), since(meta.creationTimestamp, now), ...wideCells(spec, status)];
}

/** `4`, or `4 (65s ago)` when the last restart time is known. */
function restartsCell(p: Progress, now: Date): string {
  if (p.restarts === 0 || p.lastRestart === 0) return String(p.restarts);
  return `${p.restarts} (${since(new Date(p.lastRestart).toISOString(), now)} ago)`;
}

/** IP, NODE, NOMINATED NODE and READINESS GATES (shown by `-o wide`). */
function wideCells(spec: Obj, status: Obj): string[] {
  const podIP = str(arr(status.podIPs)[0]?.ip) || str(status.podIP) || '<none>';
  const gates = arr(spec.readinessGates);
  let readinessGates = '<none>';
  if (gates.length > 0) {
    const conditions = arr(status.conditions);
    const ok = gates.filter((g) => conditionTrue(conditions, str(g.conditionType))).length;
    readinessGates = `${ok}/${gates.length}`;
  }
  return [podIP, str(spec.nodeName) || '<none>', str(status.nominatedNodeName) || '<none>', readinessGates];
}

/** Pods that ran to completion carry a Completed condition on their row, as upstream. */
export function podConditions(pod: Obj): unknown[] | undefined {
  const phase = obj(pod.status).phase;
  if (phase === 'Succeeded' || phase === 'Failed') return [{ type: 'Completed', status: 'True' }];
  return undefined;
}

function conditionTrue(conditions: Obj[], type: string): boolean {
  return conditions.some((c) => c.type === type && c.status === 'True');
}

function noteRestart(p: Progress, status: Obj): void {
  const finished = Date.parse(str(obj(obj(status.lastState).terminated).finishedAt));
  if (!Number.isNaN(finished) && finished > p.lastRestart) p.lastRestart = finished;
}

function sidecarRestarts(statuses: Obj[], sidecars: Set<string>): number {
  return statuses.filter((s) => sidecars.has(str(s.name))).reduce((n, s) => n + num(s.restartCount), 0);
}

/** Returns true while init containers still run or failed ("Init:…" statuses). */
function initContainers(p: Progress, statuses: Obj[], sidecars: Set<string>, count: number): boolean {
  for (const [i, s] of statuses.entries()) {
    p.restarts += num(s.restartCount);
    noteRestart(p, s);
    const state = obj(s.state);
    if (sidecars.has(str(s.name)) && s.started === true) {
      if (s.ready === true) p.ready++;
      continue;
    }
    const term = state.terminated === undefined ? undefined : obj(state.terminated);
    const waiting = str(obj(state.waiting).reason);
    if (term && num(term.exitCode) === 0) continue;
    if (term) {
      const why = str(term.reason);
      if (why) p.reason = `Init:${why}`;
      else p.reason = num(term.signal) !== 0 ? `Init:Signal:${num(term.signal)}` : `Init:ExitCode:${num(term.exitCode)}`;
    } else if (waiting && waiting !== 'PodInitializing') {
      p.reason = `Init:${waiting}`;
    } else {
      p.reason = `Init:${i}/${count}`;
    }
    return true;
  }
  return false;
}

function mainContainers(p: Progress, statuses: Obj[], conditions: Obj[]): void {
  let hasRunning = false;
  for (let i = statuses.length - 1; i >= 0; i--) {
    const s = statuses[i] ?? {};
    p.restarts += num(s.restartCount);
    noteRestart(p, s);
    const state = obj(s.state);
    const waiting = str(obj(state.waiting).reason);
    const term = state.terminated === undefined ? undefined : obj(state.terminated);
    if (waiting) p.reason = waiting;
    else if (term && str(term.reason)) p.reason = str(term.reason);
    else if (term) p.reason = num(term.signal) !== 0 ? `Signal:${num(term.signal)}` : `ExitCode:${num(term.exitCode)}`;
    else if (s.ready === true && state.running !== undefined) {
      hasRunning = true;
      p.ready++;
    }
  }
  // A pod whose last-listed container completed while another still runs is not "Completed".
  if (p.reason === 'Completed' && hasRunning) p.reason = conditionTrue(conditions, 'Ready') ? 'Running' : 'NotReady';
}
