/**
 * @module `--main-thread-nice`: with DNS on worker threads, the main thread (watches, zone
 * building, HTTP; in `ordinal local` also the API server, the controller and the simulated
 * nodes) runs at a lower CPU priority than the threads that answer, so an answer does not wait
 * for a core behind a burst of control-plane work. On a busy machine the kernel then lets a DNS
 * thread woken by a query preempt the main thread, not queue behind it.
 *
 * On Linux a nice value belongs to a thread, not to the process: setpriority(2) with
 * PRIO_PROCESS and who = 0 changes the calling thread only (the man page's BUGS: NPTL makes the
 * nice value per-thread), and a new thread starts with its creator's. So the pool's threads are
 * spawned at the priority the process started with (spawnAtBase), and only the main thread is
 * lowered. Raising a priority back needs CAP_SYS_NICE or RLIMIT_NICE; without them a DNS thread
 * restarted after a crash starts lowered, and the log says so once.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Logger } from '../log.ts';

/** The nice value the main thread had before lowerMainThread, which DNS threads are spawned at. */
let base: number | undefined;
let warned = false;

/** Lower the calling (main) thread's priority by `by` nice steps (capped at 19); 0 does nothing. */
export function lowerMainThread(by: number, log: Logger): void {
  if (by === 0 || base !== undefined) return;
  try {
    const now = getPriority(0);
    setPriority(0, Math.min(19, now + by));
    base = now;
    log.info({ nice: Math.min(19, now + by), dnsThreads: now }, 'main thread lowered below the DNS threads');
  } catch (err) {
    log.warn({ err }, 'could not lower the main thread\'s priority; DNS threads compete with it as equals');
  }
}

/** Run `spawn` (which creates a thread) at the priority the process started with. */
export function spawnAtBase<T>(spawn: () => T, log: Logger): T {
  if (base === undefined) return spawn();
  const lowered = getPriority(0);
  let raised = false;
  try {
    setPriority(0, base);
    raised = true;
  } catch (err) {
    if (!warned) log.warn({ err }, 'a DNS thread starts at the main thread\'s lowered priority: raising it back needs CAP_SYS_NICE');
    warned = true;
  }
  try {
    return spawn();
  } finally {
    if (raised) setPriority(0, lowered);
  }
}

/**
 * `--dns-rt-priority`: put the calling (DNS) thread under SCHED_RR at `priority` (sched(7)). A
 * nice value only weighs a thread's share of the CPU: woken by a query on a machine whose cores
 * are all busy, a DNS thread can still wait a scheduler slice or more (milliseconds) before it
 * runs. A realtime thread preempts every normal one at once. The kernel's RT throttling
 * (sched_rt_runtime_us, 95% by default) keeps a flood from starving the rest of the process.
 *
 * One CPU stays free of realtime DNS threads (rtCpus). A DNS thread waits, spinning, on threads
 * of the normal scheduler: libuv's uv_async_send, by which the main thread hands a zone delta to
 * a DNS thread (postMessage) and V8's helpers hand it a task, wakes the DNS thread first and then
 * marks the handoff done; the woken thread, realtime, preempts the sender on its CPU and spins
 * until the mark is made (uv__async_spin, yielding only to other realtime threads). With every
 * CPU held by such a spinner the sender never runs again until RT throttling stops them all, a
 * second later: the soak (issue #14) saw two DNS threads hold both cores for 926-943 ms of a
 * 994 ms window, the main thread runnable throughout, and one UDP worker answer nothing for 1 s.
 * With a CPU the DNS threads cannot take, the preempted sender moves there and finishes.
 *
 * Node has no binding for sched_setscheduler(2) or sched_setaffinity(2), so chrt(1) and
 * taskset(1) (util-linux) set them on this thread's id. Returns the reason when it cannot (not
 * Linux, one CPU, no chrt, no CAP_SYS_NICE): the thread then answers under the normal
 * scheduler, and the caller logs why.
 */
export function realtimeThisThread(priority: number): string | undefined {
  let tid: string;
  try {
    tid = readlinkSync('/proc/thread-self').split('/').pop()!;
  } catch {
    return 'realtime scheduling of the DNS threads is implemented for Linux only';
  }
  const allowed = parseCpuList(/^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync('/proc/thread-self/status', 'utf8'))?.[1] ?? '');
  const cpus = rtCpus(allowed);
  if (cpus === undefined) return `this thread may run on ${allowed.length} CPU only; realtime DNS threads need one CPU left to the threads they wait on`;
  // The affinity first: a realtime thread never runs on the CPU kept free.
  const failed = run('taskset', ['--cpu-list', '--pid', cpus.join(','), tid]) ?? run('chrt', ['--rr', '--pid', String(priority), tid]);
  if (failed === undefined) return undefined;
  if (failed.missing) return `${failed.cmd} (util-linux) is not installed`;
  if (failed.cmd === 'taskset') return `taskset --cpu-list ${cpus.join(',')} failed (${failed.why})`;
  return `chrt --rr ${priority} failed (${failed.why}); SCHED_RR needs CAP_SYS_NICE, and in a cgroup v1 hierarchy with RT group scheduling an RT budget (cpu.rt_runtime_us)`;
}

/** Run a util-linux tool; undefined when it succeeded. */
function run(cmd: string, args: string[]): { cmd: string; missing: boolean; why: string } | undefined {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    return { cmd, missing: e.code === 'ENOENT', why: e.stderr?.toString().trim() || e.message };
  }
}

/** The CPUs of a cpuset list (cpuset(7): `0-3,8,10-11`); [] for one it cannot read. */
export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return [];
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return [];
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}

/** Where realtime DNS threads may run: every allowed CPU but the lowest; undefined with fewer than two. */
export function rtCpus(allowed: readonly number[]): number[] | undefined {
  if (allowed.length < 2) return undefined;
  const lowest = Math.min(...allowed);
  return allowed.filter((c) => c !== lowest);
}
