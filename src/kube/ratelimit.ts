/**
 * @module Pure rate-limit arithmetic for the work queue, after client-go's default controller
 * rate limiter: the delay of a retry is max(per-item exponential backoff, overall token bucket).
 * The per-item part slows one failing key; the bucket caps the retry rate of the whole queue so
 * a mass failure (API down) cannot turn into a request storm.
 */

/** Per-key backoff for the `failures`-th consecutive failure (1-based): base·2^(n-1), capped. */
export function itemBackoff(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(baseMs * 2 ** Math.min(failures - 1, 40), maxMs);
}

export interface Bucket {
  /** Tokens available at `at`; may go negative (reservations into the future). */
  tokens: number;
  at: number;
}

/**
 * Reserve one token (like golang.org/x/time/rate `Reserve`): returns the new bucket and how long
 * the caller must wait before acting. Refill is `qps` tokens per second up to `burst`.
 */
export function reserve(b: Bucket, now: number, qps: number, burst: number): { bucket: Bucket; delayMs: number } {
  const refilled = Math.min(burst, b.tokens + ((now - b.at) / 1000) * qps);
  const tokens = refilled - 1;
  const delayMs = tokens >= 0 ? 0 : Math.ceil((-tokens / qps) * 1000);
  return { bucket: { tokens, at: now }, delayMs };
}

/**
 * Take one token if there is one (like client-go's passive token bucket `TryAccept`): a caller
 * that gets `ok: false` drops its work instead of waiting. Refill as in `reserve`.
 */
export function tryAccept(b: Bucket, now: number, qps: number, burst: number): { bucket: Bucket; ok: boolean } {
  const refilled = Math.min(burst, b.tokens + (Math.max(0, now - b.at) / 1000) * qps);
  if (refilled < 1) return { bucket: { tokens: refilled, at: now }, ok: false };
  return { bucket: { tokens: refilled - 1, at: now }, ok: true };
}
