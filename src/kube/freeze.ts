/**
 * @module Noticing that this process was frozen: SIGSTOP, a paused container or VM, a cgroup
 * freezer, a laptop that slept. A frozen process's watch connections may come back stalled:
 * while it did not read, its receive buffer filled, and the sender's zero-window probes and
 * retransmissions back off exponentially (RFC 6298 section 5.5, RFC 9293 section 3.8.6.1), so the
 * events queued on the other side can take tens of seconds to start flowing again, and nothing
 * errors meanwhile. The soak saw a replica answer 15 s of stale records after a 30-s SIGSTOP,
 * until its watches were cut. So after a freeze the informers act at once (informer.ts): after a
 * stop they relist, after a blocked event loop they reopen the watch from its resourceVersion.
 *
 * A timer ticks; a tick far later than due means the thread did not run. Both clocks are
 * read: the monotonic one keeps running across SIGSTOP but not across system suspend, the wall
 * clock does both (and a step of the wall clock costs at most one needless reopen). The thread's
 * own CPU time tells why it did not run: a thread that was stopped used almost none of the gap,
 * one whose event loop was blocked by its own work (a big sync) used all of it. Only the first
 * is `stopped`: its caches may have missed anything, and a relist is worth its cost; a blocked
 * loop missed nothing, and relisting after each one would block it again, forever.
 */

/** What a thaw tells: how long the thread stood still, whether it was stopped, and when it noticed. */
export interface ThawInfo {
  /** The gap used less than half of its time on this thread's CPU: stopped, not busy. */
  stopped: boolean;
  /** Date.now() when the freeze was noticed, just after the thread resumed. */
  at: number;
}

/** Called after a freeze with how long the process stood still. */
export type Thaw = (frozenMs: number, info: ThawInfo) => void;

export interface FreezeSignal {
  /** Call `fn` after each freeze from now on; returns the unsubscribe. */
  subscribe(fn: Thaw): () => void;
}

export interface Clock { mono(): number; wall(): number; /** This thread's CPU time, ms. */ cpu(): number }

/** CPU time of the calling thread in ms (the whole process's where Node lacks threadCpuUsage). */
export function threadCpuMs(): number {
  const u = typeof process.threadCpuUsage === 'function' ? process.threadCpuUsage() : process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export const systemClock: Clock = { mono: () => performance.now(), wall: () => Date.now(), cpu: threadCpuMs };

/** A gap of `gapMs` in which the thread used `cpuMs` of CPU: stopped, rather than busy? */
export function stoodStill(gapMs: number, cpuMs: number): boolean {
  return cpuMs < gapMs / 2;
}

/** How late a tick came beyond its interval, by whichever clock saw more time pass. */
export function lateness(prev: { mono: number; wall: number }, now: { mono: number; wall: number }, tickMs: number): number {
  return Math.max(now.mono - prev.mono, now.wall - prev.wall) - tickMs;
}

export interface FreezeOptions {
  tickMs?: number;
  /** An event loop blocked by its own work this much longer than a tick counts as a freeze. */
  thresholdMs?: number;
  /** A tick this much later than due, with the thread's CPU idle, counts as a stop. */
  stopThresholdMs?: number;
  clock?: Clock;
}

/**
 * The stop threshold of the watching thread: below the DNS threads' 3 s (dns/freshness.ts),
 * with a tick short enough that every stop a DNS thread holds its answers for is seen here too,
 * whatever the timers' phases. Were it missed here, nothing would relist, no `onFresh` would
 * come, and the DNS threads would answer SERVFAIL for their whole maximum hold, then stale.
 */
export const STOP_THRESHOLD_MS = 2000;

/** A freeze detector: its timer runs (unref'd) only while someone is subscribed. */
export function freezeSignal(opts: FreezeOptions = {}): FreezeSignal {
  const tickMs = opts.tickMs ?? 250;
  const thresholdMs = opts.thresholdMs ?? 3000;
  const stopThresholdMs = Math.min(thresholdMs, opts.stopThresholdMs ?? STOP_THRESHOLD_MS);
  const clock = opts.clock ?? systemClock;
  const subscribers = new Set<Thaw>();
  let timer: NodeJS.Timeout | undefined;
  let prev = { mono: 0, wall: 0, cpu: 0 };
  const read = (): { mono: number; wall: number; cpu: number } => ({ mono: clock.mono(), wall: clock.wall(), cpu: clock.cpu() });
  const tick = (): void => {
    const now = read();
    const late = lateness(prev, now, tickMs);
    const cpu = now.cpu - prev.cpu;
    prev = now;
    if (late < stopThresholdMs) return;
    const stopped = stoodStill(late + tickMs, cpu);
    if (!stopped && late < thresholdMs) return;
    const info: ThawInfo = { stopped, at: now.wall };
    for (const fn of [...subscribers]) fn(late + tickMs, info);
  };
  return {
    subscribe(fn) {
      subscribers.add(fn);
      if (!timer) {
        prev = read();
        timer = setInterval(tick, tickMs);
        timer.unref();
      }
      return () => {
        subscribers.delete(fn);
        if (subscribers.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
  };
}

/** The process-wide detector every informer subscribes to by default. */
export const processFreezes: FreezeSignal = freezeSignal();
