/**
 * @module The kubelet's probes against a simulated container (pkg/kubelet/prober): startup,
 * readiness and liveness, each `httpGet` (200-399 succeeds), `tcpSocket` (a connection
 * succeeds) or `exec` (exit 0 succeeds, run by the built-in commands), every `periodSeconds`
 * after `initialDelaySeconds`, each attempt bounded by `timeoutSeconds`, flipping only after
 * `successThreshold` / `failureThreshold` consecutive results. The counting is pure.
 */
import type { V1Probe } from '@kubernetes/client-node';
import type { PodNetwork } from './network.ts';
import { podRequest } from './pod-http.ts';

export type ProbeKind = 'startup' | 'readiness' | 'liveness';

export interface ProbeState {
  /** The probe's verdict so far: undefined until a threshold is first reached. */
  result: boolean | undefined;
  successes: number;
  failures: number;
}

/** Count one attempt; the verdict changes after enough consecutive results (pure). */
export function countAttempt(s: ProbeState, ok: boolean, probe: V1Probe): ProbeState {
  const successes = ok ? s.successes + 1 : 0;
  const failures = ok ? 0 : s.failures + 1;
  let result = s.result;
  if (ok && successes >= (probe.successThreshold ?? 1)) result = true;
  if (!ok && failures >= (probe.failureThreshold ?? 3)) result = false;
  return { result, successes, failures };
}

export interface ProbeTarget {
  ip: string;
  network: PodNetwork;
  /** The container's named ports. */
  ports: ReadonlyMap<string, number>;
  /** Run a command in the container (exec probes); resolves with its exit code. */
  exec(argv: string[], signal: AbortSignal): Promise<number>;
}

function portOf(p: number | string | undefined, t: ProbeTarget): number | undefined {
  if (typeof p === 'number') return p;
  if (p !== undefined && /^\d+$/.test(p)) return Number(p);
  return p === undefined ? undefined : t.ports.get(p);
}

async function httpGetOk(probe: NonNullable<V1Probe['httpGet']>, t: ProbeTarget, timeoutMs: number): Promise<boolean> {
  const port = portOf(probe.port as number | string, t);
  if (port === undefined) return false;
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.36', accept: '*/*' };
  for (const h of probe.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
  const res = await podRequest(t.network, t.ip, port, { path: probe.path ?? '/', headers, timeoutMs });
  res.resume();
  const code = res.statusCode ?? 0;
  return code >= 200 && code < 400;
}

async function tcpOk(port: number | undefined, t: ProbeTarget, timeoutMs: number): Promise<boolean> {
  if (port === undefined) return false;
  const sock = await t.network.connect(t.ip, port, timeoutMs);
  sock.destroy();
  return true;
}

/** One attempt of a probe; any error or timeout is a failure. */
export async function attempt(probe: V1Probe, t: ProbeTarget): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    if (probe.httpGet) return await httpGetOk(probe.httpGet, t, timeoutMs);
    if (probe.tcpSocket) return await tcpOk(portOf(probe.tcpSocket.port as number | string, t), t, timeoutMs);
    if (probe.exec?.command) return (await t.exec(probe.exec.command, abort.signal)) === 0 && !abort.signal.aborted;
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export interface ProbeSet {
  startupProbe?: V1Probe;
  readinessProbe?: V1Probe;
  livenessProbe?: V1Probe;
}

export interface ProbeCallbacks {
  /** Readiness changed (true/false), or the startup probe passed (started). */
  onChange(): void;
  /** Liveness or startup failed past its threshold: the container must be restarted. */
  onKill(kind: ProbeKind): void;
}

export interface RunningProbes {
  /** Readiness by probe: undefined when the container has no readiness probe. */
  ready(): boolean | undefined;
  started(): boolean;
  stop(): void;
}

/** Run a container's probes until stopped. */
export function runProbes(set: ProbeSet, t: ProbeTarget, cb: ProbeCallbacks): RunningProbes {
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let started = !set.startupProbe;
  const states: Record<ProbeKind, ProbeState> = {
    startup: { result: undefined, successes: 0, failures: 0 },
    readiness: { result: undefined, successes: 0, failures: 0 },
    liveness: { result: undefined, successes: 0, failures: 0 },
  };
  const probes: Record<ProbeKind, V1Probe | undefined> = { startup: set.startupProbe, readiness: set.readinessProbe, liveness: set.livenessProbe };

  const schedule = (kind: ProbeKind, ms: number): void => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void tick(kind);
    }, ms);
    timers.add(timer);
  };

  async function tick(kind: ProbeKind): Promise<void> {
    const probe = probes[kind]!;
    // Readiness and liveness wait for the startup probe (kubelet: "started" gate).
    if (kind !== 'startup' && !started) return schedule(kind, (probe.periodSeconds ?? 10) * 1000);
    const ok = await attempt(probe, t);
    if (stopped) return;
    const before = states[kind].result;
    states[kind] = countAttempt(states[kind], ok, probe);
    const now = states[kind].result;
    if (kind === 'startup' && now === true) {
      started = true;
      cb.onChange();
      return; // the startup probe stops once it succeeds
    }
    if (now === false && (kind === 'liveness' || kind === 'startup')) return cb.onKill(kind);
    if (kind === 'readiness' && now !== before) cb.onChange();
    schedule(kind, (probe.periodSeconds ?? 10) * 1000);
  }

  for (const kind of ['startup', 'readiness', 'liveness'] as const) {
    const p = probes[kind];
    if (p) schedule(kind, (p.initialDelaySeconds ?? 0) * 1000);
  }
  return {
    ready: () => (set.readinessProbe ? started && states.readiness.result === true : undefined),
    started: () => started,
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
