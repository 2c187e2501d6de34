/**
 * @module After a stop, a DNS thread's zone is known to be old. A thread that was stopped
 * (SIGSTOP, a paused container or VM) resumes answering at once, from the zone it had when it
 * stopped, while the watching thread is still relisting (kube/informer.ts) to learn what happened
 * meanwhile: 30 s of changes answered as if they had not happened (the soak's replica, right
 * after SIGCONT). So it holds: every query gets SERVFAIL, "the name server was unable to process
 * this query due to a problem with the name server" (RFC 1035 §4.1.1), which sends a resolver
 * to another server, until the watching thread says the zone is fresh again (`caughtUp`, the
 * watcher's `onFresh`: every informer has listed since the resume) or `maxHoldMs` has passed
 * (the API is down or slow: then the last known zone is served again, as during any outage).
 *
 * Nothing else ends the hold. A delta that arrives first after the resume may be events read
 * from a socket buffer filled before the stop, or one informer's catch-up while another's is
 * still on its way: neither makes the whole zone fresh.
 *
 * The stop is seen on the answer path itself: after a resume, libuv runs the ready sockets'
 * callbacks before any overdue timer, so a timer alone would let the first batch through stale.
 * A gap in which this thread used its CPU (it applied a big delta) is not a stop (freeze.ts).
 */
import { stoodStill, threadCpuMs } from '../kube/freeze.ts';

export interface FreshnessGate {
  /** True while answers should be held; also notices a stop since the last call. */
  holding(): boolean;
  /**
   * The watching thread's zone holds everything the API held at `since` (Date.now() at its own
   * resume). Ends a hold unless `since` is from before the stop this thread noticed.
   */
  caughtUp(since: number): void;
  stop(): void;
}

export interface FreshnessOptions {
  /** A gap this long between two looks at the clock, with the thread's CPU idle, is a stop. */
  thresholdMs?: number;
  maxHoldMs?: number;
  tickMs?: number;
  now?: () => number;
  wall?: () => number;
  /** This thread's CPU time in ms. */
  cpu?: () => number;
}

export function freshnessGate(opts: FreshnessOptions = {}): FreshnessGate {
  const thresholdMs = opts.thresholdMs ?? 3000;
  // Long enough for the informers' relists on a busy box (the soak: up to 2.8 s to reconverge).
  const maxHoldMs = opts.maxHoldMs ?? 5000;
  const now = opts.now ?? (() => performance.now());
  const wall = opts.wall ?? Date.now;
  const cpu = opts.cpu ?? threadCpuMs;
  let last = now();
  // The CPU reading is a syscall: taken on the timer's ticks, not per query.
  let tickAt = last;
  let tickCpu = cpu();
  let holdUntil = 0;
  /** Wall time at which the stop was noticed, i.e. just after the thread resumed. */
  let noticed = 0;
  const look = (t: number): void => {
    if (t - last > thresholdMs && stoodStill(t - tickAt, cpu() - tickCpu)) {
      holdUntil = t + maxHoldMs;
      noticed = wall();
    }
    last = t;
  };
  // Keeps `last` fresh while no queries come, so a quiet thread is not taken for a stopped one.
  const timer = setInterval(() => {
    const t = now();
    look(t);
    tickAt = t;
    tickCpu = cpu();
  }, opts.tickMs ?? 250);
  timer.unref();
  return {
    holding: () => {
      const t = now();
      look(t);
      if (t < holdUntil) return true;
      holdUntil = 0;
      return false;
    },
    caughtUp: (since) => {
      // Begun before the stop (at least the threshold before it was noticed): not the catch-up.
      if (holdUntil > 0 && since >= noticed - thresholdMs / 3) holdUntil = 0;
    },
    stop: () => clearInterval(timer),
  };
}
