/**
 * @module After a freeze, a DNS thread's zone is known to be old. A thread that was stopped (SIGSTOP,
 * a paused container or VM) resumes answering at once, from the zone it had when it stopped,
 * while the watching thread is still reopening its watches (kube/freeze.ts) and applying what
 * happened meanwhile: 30 s of changes answered as if they had not happened (the soak's replica,
 * right after SIGCONT). So for a moment it holds: every query gets SERVFAIL, "the name server was
 * unable to process this query due to a problem with the name server" (RFC 1035 §4.1.1), which
 * sends a resolver to another server, until the watching thread's next delta arrives
 * (`caughtUp`) or `maxHoldMs` has passed (nothing changed meanwhile, or the API is down: then the
 * last known zone is served again, as during any API outage).
 *
 * The freeze is seen on the answer path itself: after a resume, libuv runs the ready sockets'
 * callbacks before any overdue timer, so a timer alone would let the first batch through stale.
 */
export interface FreshnessGate {
  /** True while answers should be held; also notices a freeze since the last call. */
  holding(): boolean;
  /**
   * A delta from the watching thread is in; `postedAt` (Date.now() when it was sent) tells a
   * catch-up from a message sent before the freeze and read only after it. Also called after a
   * long apply, whose own stall is not a freeze.
   */
  caughtUp(postedAt?: number): void;
  stop(): void;
}

export interface FreshnessOptions {
  /** A gap this long between two looks at the clock is a freeze (or a loop blocked that long). */
  thresholdMs?: number;
  maxHoldMs?: number;
  tickMs?: number;
  now?: () => number;
  wall?: () => number;
}

export function freshnessGate(opts: FreshnessOptions = {}): FreshnessGate {
  const thresholdMs = opts.thresholdMs ?? 3000;
  const maxHoldMs = opts.maxHoldMs ?? 1500;
  const now = opts.now ?? (() => performance.now());
  const wall = opts.wall ?? Date.now;
  let last = now();
  let holdUntil = 0;
  /** Wall time at which the freeze was noticed, i.e. just after the thread resumed. */
  let noticed = 0;
  const look = (t: number): void => {
    if (t - last > thresholdMs) {
      holdUntil = t + maxHoldMs;
      noticed = wall();
    }
    last = t;
  };
  // Keeps `last` fresh while no queries come, so a quiet thread is not taken for a frozen one.
  const timer = setInterval(() => look(now()), opts.tickMs ?? 250);
  timer.unref();
  return {
    holding: () => {
      const t = now();
      look(t);
      return t < holdUntil;
    },
    caughtUp: (postedAt) => {
      // Sent before the freeze (seconds before it was noticed): not the catch-up.
      if (postedAt !== undefined && holdUntil > 0 && postedAt < noticed - thresholdMs / 3) return;
      holdUntil = 0;
      last = now();
    },
    stop: () => clearInterval(timer),
  };
}
