/**
 * @module The simulated container runtime: per pod, a sandbox with its IP on the pod network
 * and one record per container (state, restart count, log buffers of this and the previous
 * instance). It starts workloads by image and tells its listener when a container changes
 * state. Deciding what the pod's status is stays with the kubelet; this is the I/O shell.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Logger } from '../../../log.ts';
import type { PodBackend } from '../../api/pod-backend.ts';
import type { Mount } from './fs.ts';
import { startHttpApp } from './http-app.ts';
import { shouldRestart, restartDelayMs, type RuntimeState } from '../container-status.ts';
import { startCommand } from './command.ts';
import { COMMAND_IMAGES, imageRepository } from './images.ts';
import { runProbes, type ProbeSet, type RunningProbes } from './probes.ts';
import { execBuiltin } from './shell.ts';
import { APPS } from './kubia.ts';
import { LogBuffer } from './logs.ts';
import type { PodNetwork } from './network.ts';
import { idleWorkload, type Workload, type WorkloadEnv } from './workload.ts';

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  mounts: Mount[];
  stdin?: boolean;
  /** Close the process's stdin when the first attach session leaves (`kubectl run -it`). */
  stdinOnce?: boolean;
  tty?: boolean;
  probes?: ProbeSet;
  /** Named container ports (probes may name a port). */
  ports?: Record<string, number>;
}

export interface PodSpec {
  uid: string;
  name: string;
  namespace: string;
  hostname: string;
  ip: string;
  restartPolicy?: string;
  containers: ContainerSpec[];
}

/** The state the kubelet-side status code reads (container-status.ts): one definition. */
export type ContainerState = RuntimeState;

export interface ContainerRecord {
  readonly spec: ContainerSpec;
  /** Whether ordinal runs something for this image (an app or commands), or only pretends. */
  readonly simulated: boolean;
  state: ContainerState;
  restartCount: number;
  lastState?: ContainerState;
  logs: LogBuffer;
  previousLogs?: LogBuffer;
  workload?: Workload;
  /** The running instance's stdin, when the spec asks for one (`stdin: true`): attach writes to it. */
  stdin?: PassThrough;
  probes?: RunningProbes;
  /** Readiness by probe, when the container has a readiness probe (else the kubelet's delay rules). */
  readyByProbe?: boolean;
}

export interface Sandbox {
  readonly spec: PodSpec;
  readonly containers: Map<string, ContainerRecord>;
  stopped: boolean;
}

export interface RuntimeOptions {
  /** Where containers' writable layers and pods' ephemeral volumes live. */
  rootDir: string;
  network: PodNetwork;
  dnsServer: () => string | undefined;
  zone: string;
  log: Logger;
}

export interface ContainerRuntime extends PodBackend {
  readonly network: PodNetwork;
  readonly rootDir: string;
  /** Start the pod's containers unless they run already; resolves once they listen. */
  ensurePod(spec: PodSpec): Promise<Sandbox>;
  sandbox(uid: string): Sandbox | undefined;
  /** Find a sandbox by namespace and name (the API's subresources address pods that way). */
  findPod(namespace: string, name: string, uid?: string): Sandbox | undefined;
  /** Stop the pod's containers (SIGTERM); with `removeData`, forget it and drop its ephemeral files. */
  killPod(uid: string, removeData: boolean): Promise<void>;
  /** Called with a pod UID whenever one of its containers changes state. */
  onChange(fn: (uid: string) => void): void;
  /** Where the pod's ephemeral files (emptyDir volumes, writable layers) live. */
  podDir(uid: string): string;
  /** Stop everything (the process is stopping; files stay). */
  stopAll(): Promise<void>;
  size(): number;
}

export function createRuntime(opts: RuntimeOptions): ContainerRuntime {
  const log = opts.log.child({ component: 'sim-runtime' });
  const pods = new Map<string, Sandbox>();
  const starting = new Map<string, Promise<Sandbox>>();
  const listeners: Array<(uid: string) => void> = [];
  const changed = (uid: string): void => {
    for (const fn of listeners) fn(uid);
  };
  const podDir = (uid: string): string => join(opts.rootDir, 'pods', uid);

  function envFor(sb: Sandbox, rec: ContainerRecord, rootDir: string): WorkloadEnv {
    const s = sb.spec;
    return {
      hostname: s.hostname, podIP: s.ip, namespace: s.namespace, env: rec.spec.env ?? {}, network: opts.network,
      dnsServer: opts.dnsServer, zone: opts.zone, fs: { mounts: rec.spec.mounts, rootDir },
      stdout: (d) => rec.logs.write('stdout', d),
      stderr: (d) => rec.logs.write('stderr', d),
      stdin: rec.stdin, tty: rec.spec.tty === true,
    };
  }

  const timers = new Set<NodeJS.Timeout>();

  function startWorkload(rec: ContainerRecord, env: WorkloadEnv): Promise<Workload> {
    const repo = imageRepository(rec.spec.image);
    const app = APPS[repo];
    if (app) return startHttpApp(app, env);
    const argv = [...(rec.spec.command ?? []), ...(rec.spec.args ?? [])];
    if (COMMAND_IMAGES.has(repo) && argv.length > 0) return Promise.resolve(startCommand(argv, env, rec.spec.env ?? {}));
    return Promise.resolve(idleWorkload());
  }

  function execIn(sb: Sandbox, rec: ContainerRecord, argv: string[], signal: AbortSignal): Promise<number> {
    const fs = { mounts: rec.spec.mounts, rootDir: join(podDir(sb.spec.uid), 'containers', rec.spec.name) };
    const dns = { dnsServer: opts.dnsServer, namespace: sb.spec.namespace, zone: opts.zone };
    const discard = (): void => undefined;
    return execBuiltin(argv, { stdin: undefined, stdout: discard, stderr: discard, signal }, { fs, env: rec.spec.env ?? {}, hostname: sb.spec.hostname, cwd: '/', dns });
  }

  function startProbes(sb: Sandbox, rec: ContainerRecord): void {
    const set = rec.spec.probes;
    if (!set || (!set.readinessProbe && !set.livenessProbe && !set.startupProbe)) return;
    const target = { ip: sb.spec.ip, network: opts.network, ports: new Map(Object.entries(rec.spec.ports ?? {})), exec: (argv: string[], signal: AbortSignal) => execIn(sb, rec, argv, signal) };
    if (set.readinessProbe) rec.readyByProbe = false;
    const probes = runProbes(set, target, {
      onChange: () => {
        rec.readyByProbe = probes.ready();
        changed(sb.spec.uid);
      },
      onKill: (kind) => {
        // As the kubelet: "Container failed <kind> probe, will be restarted" (SIGTERM, then the restart policy).
        log.info({ pod: `${sb.spec.namespace}/${sb.spec.name}`, container: rec.spec.name, probe: kind }, 'probe failed: restarting the container');
        probes.stop();
        void rec.workload?.stop();
      },
    });
    rec.probes = probes;
  }

  /** The container ended by itself: restart it after the back-off, or leave it terminated. */
  function onExit(sb: Sandbox, rec: ContainerRecord, exitCode: number, startedAt: number): void {
    rec.probes?.stop();
    if (rec.readyByProbe !== undefined) rec.readyByProbe = false;
    const ended: ContainerState = { kind: 'exited', exitCode, startedAt, finishedAt: Date.now() };
    rec.state = ended;
    rec.logs.end();
    if (!sb.stopped && shouldRestart(sb.spec.restartPolicy, exitCode)) {
      const delay = restartDelayMs(rec.restartCount);
      rec.state = { kind: 'waiting', reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${rec.spec.name} pod=${sb.spec.name}_${sb.spec.namespace}(${sb.spec.uid})` };
      rec.lastState = ended;
      const t = setTimeout(() => {
        timers.delete(t);
        if (sb.stopped) return;
        rec.restartCount++;
        rec.previousLogs = rec.logs;
        rec.logs = new LogBuffer();
        startContainer(sb, rec).catch((err: unknown) => log.warn({ err, pod: sb.spec.name }, 'container restart failed'));
      }, delay);
      timers.add(t);
    }
    changed(sb.spec.uid);
  }

  async function startContainer(sb: Sandbox, rec: ContainerRecord): Promise<void> {
    const rootDir = join(podDir(sb.spec.uid), 'containers', rec.spec.name);
    await mkdir(rootDir, { recursive: true });
    rec.stdin = rec.spec.stdin ? new PassThrough() : undefined;
    const workload = await startWorkload(rec, envFor(sb, rec, rootDir));
    rec.workload = workload;
    const startedAt = Date.now();
    rec.state = { kind: 'running', startedAt };
    startProbes(sb, rec);
    changed(sb.spec.uid);
    void workload.exited.then((exitCode) => {
      if (rec.workload === workload) onExit(sb, rec, exitCode, startedAt);
    });
  }

  async function start(spec: PodSpec): Promise<Sandbox> {
    const sb: Sandbox = { spec, containers: new Map(), stopped: false };
    for (const c of spec.containers) {
      const simulated = !APPS[imageRepository(c.image)];
      sb.containers.set(c.name, { spec: c, simulated, state: { kind: 'waiting', reason: 'ContainerCreating' }, restartCount: 0, logs: new LogBuffer() });
    }
    pods.set(spec.uid, sb);
    try {
      for (const rec of sb.containers.values()) await startContainer(sb, rec);
    } catch (err) {
      // A container that cannot start (the data dir is full, say) leaves nothing half-started
      // behind: the kubelet's next sync starts the pod again, as it retries a failed
      // container creation, instead of finding a sandbox that will never run.
      await stopSandbox(sb);
      pods.delete(spec.uid);
      throw err;
    }
    log.debug({ pod: `${spec.namespace}/${spec.name}`, ip: spec.ip }, 'pod started');
    changed(spec.uid);
    return sb;
  }

  async function stopSandbox(sb: Sandbox): Promise<void> {
    sb.stopped = true;
    for (const r of sb.containers.values()) r.probes?.stop();
    await Promise.all([...sb.containers.values()].map((r) => r.workload?.stop()));
  }

  return {
    network: opts.network,
    rootDir: opts.rootDir,
    ensurePod(spec) {
      const have = pods.get(spec.uid);
      if (have) return Promise.resolve(have);
      let p = starting.get(spec.uid);
      if (!p) {
        p = start(spec).finally(() => starting.delete(spec.uid));
        starting.set(spec.uid, p);
      }
      return p;
    },
    sandbox: (uid) => pods.get(uid),
    dial: (ip, port) => opts.network.connect(ip, port),
    async exec(uid, container, argv, io) {
      const sb = pods.get(uid);
      const rec = sb?.containers.get(container);
      if (!sb || !rec || rec.state.kind !== 'running') throw new Error(`container ${JSON.stringify(container)} is not running`);
      const fs = { mounts: rec.spec.mounts, rootDir: join(podDir(uid), 'containers', container) };
      const dns = { dnsServer: opts.dnsServer, namespace: sb.spec.namespace, zone: opts.zone };
      return execBuiltin(argv, io, { fs, env: rec.spec.env ?? {}, hostname: sb.spec.hostname, cwd: '/', dns });
    },
    containerStdin(uid, container) {
      const rec = pods.get(uid)?.containers.get(container);
      if (!rec?.stdin || rec.state.kind !== 'running') return undefined;
      return { stream: rec.stdin, once: rec.spec.stdinOnce === true };
    },
    containerLog(uid, container, previous) {
      const rec = pods.get(uid)?.containers.get(container);
      return previous ? rec?.previousLogs : rec?.logs;
    },
    findPod(namespace, name, uid) {
      for (const sb of pods.values()) {
        if (sb.spec.namespace === namespace && sb.spec.name === name && (!uid || sb.spec.uid === uid)) return sb;
      }
      return undefined;
    },
    async killPod(uid, removeData) {
      await starting.get(uid)?.catch(() => undefined);
      const sb = pods.get(uid);
      if (sb) await stopSandbox(sb);
      if (!removeData) return;
      // Files first: a pod the runtime no longer lists has nothing left on disk either.
      await rm(podDir(uid), { recursive: true, force: true });
      pods.delete(uid);
    },
    onChange(fn) {
      listeners.push(fn);
    },
    podDir,
    async stopAll() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all([...starting.values()].map((p) => p.catch(() => undefined)));
      await Promise.all([...pods.values()].map(stopSandbox));
    },
    size: () => pods.size,
  };
}
