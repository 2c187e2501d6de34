/** @module Pure value parsers for flags: durations, bounded integers, DNS names. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `1s`, `1.5s`, `40s`, `2m`, `1h` or bare seconds (`10`), in milliseconds, within [minMs, maxMs]. */
export function parseDuration(text: string, minMs: number, maxMs: number): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration such as 500ms, 10s, 2m or a number of seconds`);
  const ms = Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']!);
  if (ms < minMs || ms > maxMs) throw new Error(`${text} is out of range ${fmtMs(minMs)}-${fmtMs(maxMs)}`);
  return ms;
}

function fmtMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A decimal integer within [min, max]. */
export function parseIntIn(text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new Error(`"${text}" is not a whole number (accepted: ${min}-${max})`);
  const n = Number(text);
  if (n < min || n > max) throw new Error(`${text} is out of range ${min}-${max}`);
  return n;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A zone name: lowercased, trailing dot removed, letters/digits/hyphens in labels of 1-63
 * characters (RFC 1123 §2.1), at most 253 characters. With `single`, one RFC 1123 label,
 * as Kubernetes namespace names are, and not lowercased (Kubernetes names are case-sensitive).
 */
export function parseName(text: string, single = false): string {
  if (single) {
    if (!LABEL.test(text)) throw new Error(`"${text}" is not a valid name (lowercase letters, digits and '-', at most 63)`);
    return text;
  }
  const name = text.toLowerCase().replace(/\.$/, '');
  if (name === '' || name.length > 253 || !name.split('.').every((l) => LABEL.test(l))) {
    throw new Error(`"${text}" is not a valid DNS zone name`);
  }
  return name;
}

/** A SCHED_DEADLINE reservation (sched(7)): `runtimeUs` of CPU in every `periodUs`. */
export interface Reservation { runtimeUs: number; periodUs: number }

const UNIT_US: Record<string, number> = { us: 1, µs: 1, ms: 1000 };

/**
 * `<runtime>/<period>` such as `2ms/4ms` or `500us/1ms`. The kernel takes periods from 100 µs
 * (sched_deadline_period_min_us) to about 4 s (sched_deadline_period_max_us) and a runtime of at
 * least 1 µs; the runtime must be less than the period: a thread that may take all of a core at
 * the top priority starves whatever it waits for, the stall a reservation is there to bound.
 */
export function parseReservation(text: string): Reservation {
  const malformed = new Error(`"${text}" is not <runtime>/<period> with units us or ms, such as 2ms/4ms`);
  const us = (part: string): number => {
    const m = /^(\d+(?:\.\d+)?)(us|µs|ms)$/.exec(part.trim());
    if (!m) throw malformed;
    return Math.round(Number(m[1]) * UNIT_US[m[2]!]!);
  };
  const parts = text.split('/');
  if (parts.length !== 2) throw malformed;
  const [runtimeUs, periodUs] = [us(parts[0]!), us(parts[1]!)];
  if (periodUs < 100 || periodUs > 4_000_000) throw new Error(`period ${parts[1]!.trim()} is out of range 100us-4000ms`);
  if (runtimeUs < 1) throw new Error(`runtime ${parts[0]!.trim()} is below 1us`);
  if (runtimeUs >= periodUs) throw new Error(`runtime ${parts[0]!.trim()} is not less than the period ${parts[1]!.trim()}`);
  return { runtimeUs, periodUs };
}
