/**
 * @module Long-running child processes (etcd, kube-apiserver, ...) for the e2e harness.
 *
 * Every daemon is started in its own process group (`detached: true`) so that stopping it
 * kills whatever it forked too (`process.kill(-pid)`). All live daemons are tracked in one
 * registry; exit and signal hooks kill them synchronously, so a crashed or interrupted test
 * run leaves no process behind. SIGKILL cannot be hooked (a test runner may use it on a hung
 * worker), so a small detached watchdog shell polls this process and, once it is gone, kills the
 * process groups listed in a file that the registry keeps current.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Daemon = {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
  /** True once the process exited. */
  hasExited(): boolean;
  /** The last `lines` lines of the daemon's combined stdout/stderr. */
  logTail(lines?: number): string;
  /** SIGTERM the process group, SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
};

const live = new Set<number>();
let hooksInstalled = false;
const pidFile = join(tmpdir(), `ordinal-e2e-daemons-${process.pid}`);

function syncPidFile(): void {
  if (live.size === 0) rmSync(pidFile, { force: true });
  else writeFileSync(pidFile, [...live].join('\n') + '\n');
}

// Polls the parent once a second; `kill -0` fails once it is gone.
const WATCHDOG = `while kill -0 "$1" 2>/dev/null; do sleep 1; done
if [ -f "$2" ]; then for g in $(cat "$2"); do kill -9 "-$g" 2>/dev/null; done; rm -f "$2"; fi`;

function startWatchdog(): void {
  const w = spawn('sh', ['-c', WATCHDOG, 'ordinal-e2e-watchdog', String(process.pid), pidFile], { detached: true, stdio: 'ignore' });
  w.unref();
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Kill every daemon still running. Synchronous so it can run inside an 'exit' hook. */
export function killAllDaemons(): void {
  for (const pid of live) killGroup(pid, 'SIGKILL');
  live.clear();
  syncPidFile();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  startWatchdog();
  process.on('exit', killAllDaemons);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllDaemons();
      // Re-raise with the default disposition so the parent sees the real cause.
      process.kill(process.pid, sig);
    });
  }
}

export type DaemonSpec = {
  name: string;
  bin: string;
  args: readonly string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
};

export function startDaemon(spec: DaemonSpec): Daemon {
  installHooks();
  const fd = openSync(spec.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.bin, spec.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: spec.env ?? process.env,
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${spec.name}: could not start ${spec.bin}`);
  live.add(pid);
  syncPidFile();
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      live.delete(pid);
      syncPidFile();
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (err) => {
      done = true;
      live.delete(pid);
      syncPidFile();
      resolve(err.message);
    });
  });
  const logTail = (lines = 30): string => {
    try {
      return readFileSync(spec.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const stop = async (graceMs = 5000): Promise<void> => {
    if (!done) killGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    // The leader is gone; make sure nothing it forked outlives it.
    killGroup(pid, 'SIGKILL');
  };
  return { name: spec.name, pid, logFile: spec.logFile, exited, hasExited: () => done, logTail, stop };
}

/** Fail fast with the daemon's log if it dies while we wait for it to become ready. */
export function diedError(d: Daemon): Error {
  return new Error(`${d.name} exited during startup; last log lines:\n${d.logTail()}`);
}
