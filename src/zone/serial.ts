/**
 * @module SOA serials (RFC 1982 arithmetic) and the sealing rule that keeps them monotonic
 * across restarts and between replicas without any stored state.
 *
 * The rule: records that change keep the previous serial ("open" snapshot); at the next
 * wall-clock second boundary the content is *sealed* with a serial equal to that second
 * (unix time). So a serial is never ahead of the clock, and the sealed serial of any content
 * is strictly greater than the second of every change it contains. Consequences:
 * - a restarted process seals its first content in a second after it started, which is after
 *   the old process's last serial: serials never go back across a restart;
 * - replicas that saw the same last change in the same second seal the same content under the
 *   same serial; any later change on either seals above every serial minted before it;
 * - bursts cost one serial per second at most, so `prev + 1` never drifts ahead of the clock
 *   (it is used only when the clock steps back, until the clock catches up).
 */

/** True when serial `b` is newer than `a` in RFC 1982 §3.2 arithmetic (undefined at 2^31: false). */
export function serialNewer(a: number, b: number): boolean {
  const d = (b - a) >>> 0;
  return d !== 0 && d < 0x80000000;
}

/** The serial to seal with at `nowMs`: the unix second, or prev + 1 when the clock is not ahead. */
export function nextSerial(prev: number, nowMs: number): number {
  const now = Math.floor(nowMs / 1000) >>> 0;
  return serialNewer(prev, now) ? now : (prev + 1) >>> 0;
}

/** Milliseconds until the next second boundary after `nowMs` (plus 1 ms so the new second has begun). */
export function msToNextSecond(nowMs: number): number {
  return 1000 - (nowMs % 1000) + 1;
}
