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
