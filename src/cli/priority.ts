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
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Logger } from '../log.ts';
import type { Reservation } from './values.ts';

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
 * Node has no binding for sched_setscheduler(2), so chrt(1) (util-linux) sets it on this
 * thread's id. Returns the reason when it cannot (not Linux, no chrt, no CAP_SYS_NICE): the
 * thread then answers under the normal scheduler, and the caller logs why.
 */
export function realtimeThisThread(priority: number): string | undefined {
  return chrtThisThread(['--rr'], String(priority), (why) =>
    `chrt --rr ${priority} failed (${why}); SCHED_RR needs CAP_SYS_NICE, and in a cgroup v1 hierarchy with RT group scheduling an RT budget (cpu.rt_runtime_us)`);
}

/**
 * `--dns-deadline`: put the calling (DNS) thread under SCHED_DEADLINE with `r` (sched(7),
 * Documentation/scheduler/sched-deadline.rst). Woken with runtime left, it preempts every
 * normal and SCHED_RR thread, as SCHED_RR does; but once it has run `runtimeUs` in a period the
 * kernel holds it until the next one. That bound is the point: a DNS thread that spins waiting
 * for a normally scheduled one (libuv's and V8's spin-then-sched_yield waits; for a deadline
 * thread sched_yield gives up the rest of its runtime) cannot keep that thread off the cores for
 * more than the period's remainder, where SCHED_RR keeps it off until RT throttling, up to a
 * second (bench/soak/RESULTS.md). SCHED_FLAG_RESET_ON_FORK (chrt -R): the kernel refuses to
 * create a thread from a deadline thread without it, and a thread started by this one (say,
 * libuv's pool) then runs under the normal scheduler.
 *
 * The kernel admits reservations while, summed over the machine, they stay within
 * sched_rt_runtime_us/sched_rt_period_us of every CPU (95%); one that does not fit (EBUSY), or a
 * process whose CPU affinity does not span its root domain (EPERM, a restricted cpuset), leaves
 * this thread under the normal scheduler with the reason returned.
 */
export function deadlineThisThread(r: Reservation): string | undefined {
  const ns = (us: number): string => String(us * 1000);
  return chrtThisThread(['--deadline', '--reset-on-fork', '--sched-runtime', ns(r.runtimeUs), '--sched-period', ns(r.periodUs), '--sched-deadline', ns(r.periodUs)], '0', (why) => {
    const hint = /busy/i.test(why)
      ? 'the kernel admits SCHED_DEADLINE reservations while together they stay within 95% (sched_rt_runtime_us) of every CPU: fewer DNS threads (--workers) or a smaller runtime fit'
      : 'SCHED_DEADLINE needs CAP_SYS_NICE, and a CPU affinity (cpuset) spanning the whole machine';
    return `chrt --deadline ${r.runtimeUs}us/${r.periodUs}us failed (${why}); ${hint}`;
  });
}

/** chrt `policy` `priority` on this thread's id; the reason when it cannot. */
function chrtThisThread(policy: string[], priority: string, failed: (why: string) => string): string | undefined {
  let tid: string;
  try {
    tid = readlinkSync('/proc/thread-self').split('/').pop()!;
  } catch {
    return 'realtime scheduling of the DNS threads is implemented for Linux only';
  }
  try {
    execFileSync('chrt', [...policy, '--pid', priority, tid], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') return 'chrt (util-linux) is not installed';
    return failed(e.stderr?.toString().trim() || e.message);
  }
}
