/**
 * @module The processes under test: `ordinal local` (API + simulated nodes + DNS) and a second
 * DNS replica `ordinal serve --kubeconfig`, both from this checkout's sources. Any exit the
 * soak did not cause is a crash. RSS and open fds are read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atFullPriority } from './priority.ts';

export const REPO = join(import.meta.dirname, '../..');

export interface Crash { t: number; proc: string; code: number | null; signal: string | null; tail: string }

export class Proc {
  child: ChildProcess | undefined;
  out = '';
  /** The first 20,000 characters printed since start(). */
  head = '';
  /** Exits the soak caused (kill -9) are expected; any other is a crash. */
  private expectExit = false;
  restarts = 0;
  readonly name: string;
  private readonly args: string[];
  private readonly crashes: Crash[];
  private readonly logPath: string | undefined;

  constructor(name: string, args: string[], crashes: Crash[]) {
    this.name = name;
    this.args = args;
    this.crashes = crashes;
    // SOAK_LOG_DIR keeps each process's whole output, for digging into a failed run.
    const dir = process.env['SOAK_LOG_DIR'];
    if (dir) mkdirSync(dir, { recursive: true });
    this.logPath = dir ? join(dir, `${name.replaceAll(' ', '-')}.log`) : undefined;
  }

  get pid(): number | undefined { return this.child?.pid; }

  start(): void {
    this.out = '';
    this.head = '';
    this.expectExit = false;
    // A process group of its own (detached: setsid): when a process exits, the kernel sends
    // SIGHUP then SIGCONT to its group if that group is orphaned and holds a stopped process
    // (POSIX.1 orphaned process groups; kernel exit_notify). Started in the background of a shell
    // that has gone, the soak's own group is orphaned: any dnsperf that exited while the replica
    // was SIGSTOPped killed the replica with SIGHUP (a 12-minute run's "crash" at 51 s).
    const child = atFullPriority(() => spawn(process.execPath, [join(REPO, 'bin/ordinal.js'), ...this.args], {
      cwd: REPO, env: { ...process.env, ORDINAL_FROM_SRC: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    }));
    // The tail for crash reports, and the head for startup lines: a restarted `ordinal local`
    // prints a line per pod it finds right after its banner, which pushed the banner out of a
    // tail-only buffer before waitFor looked (the 60-minute run's fault 38).
    const keep = (b: Buffer): void => {
      const text = b.toString('utf8');
      if (this.head.length < 20_000) this.head += text.slice(0, 20_000 - this.head.length);
      this.out = (this.out + text).slice(-20_000);
      if (this.logPath) appendFileSync(this.logPath, text);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', (code, signal) => {
      if (!this.expectExit) this.crashes.push({ t: Date.now(), proc: this.name, code, signal, tail: this.out.slice(-3000) });
    });
    this.child = child;
  }

  async waitFor(re: RegExp, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!re.test(this.head) && !re.test(this.out)) {
      if (Date.now() > end) throw new Error(`${this.name} did not print ${re} in ${ms} ms; output:\n${this.out.slice(-3000)}`);
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) throw new Error(`${this.name} exited: ${this.out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async kill9(): Promise<void> {
    this.expectExit = true;
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  }

  signal(sig: 'SIGSTOP' | 'SIGCONT'): void { this.child?.kill(sig); }

  async stop(): Promise<void> {
    this.expectExit = true;
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGCONT');
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(t);
  }
}

export interface ProcSample { rssMB: number; fds: number }

/**
 * VmRSS of a `/proc/<pid>/status` text in MB, or undefined without one: a process killed and not
 * yet reaped (a zombie) has no memory lines, and a 0 there would read as the process shrinking
 * to nothing (a 1-s sampler caught one right after a kill -9).
 */
export function statusRssMB(status: string): number | undefined {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kb === undefined ? undefined : Number(kb) / 1024;
}

/** RSS (VmRSS) and open descriptors of a live process, or undefined when it is gone or exiting. */
export function sampleProc(pid: number | undefined): ProcSample | undefined {
  if (!pid) return undefined;
  try {
    const rss = statusRssMB(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return rss === undefined ? undefined : { rssMB: rss, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}
