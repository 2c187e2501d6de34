/**
 * @module Exponential backoff with jitter, as a pure function.
 *
 * Jitter keeps many replicas (and many informers in one process) from reconnecting to a
 * restarted API server in lock-step; the cap keeps reconvergence within seconds of the
 * API coming back (issue: "keep serving through every failure").
 */

export interface BackoffOptions {
  /** Delay after the first failure. */
  initialMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 10_000 };

/**
 * Delay before retry number `attempt` (1 = first retry): `initial * 2^(attempt-1)`, capped,
 * then scaled into [50 %, 100 %] by `random` (a number in [0, 1)) — "equal jitter", which
 * never collapses to zero and so never hammers a down server.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: number = Math.random()): number {
  if (attempt <= 0) return 0;
  const exp = opts.initialMs * 2 ** Math.min(attempt - 1, 30);
  const capped = Math.min(exp, opts.maxMs);
  return Math.round(capped / 2 + (capped / 2) * random);
}
