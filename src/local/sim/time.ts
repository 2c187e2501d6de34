/**
 * @module Time values as they arrive from the API: typed clients give `Date`, raw watch events
 * give RFC 3339 strings, MicroTime fields stay strings. Decisions work in epoch milliseconds.
 */

/** Epoch milliseconds of an API timestamp, or undefined when absent or unparsable. */
export function toMs(t: Date | string | undefined | null): number | undefined {
  if (t === undefined || t === null) return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** metav1.Time: RFC 3339 (second precision is what the apiserver stores). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * metav1.MicroTime (Lease renewTime/acquireTime): the apiserver parses it with the layout
 * "2006-01-02T15:04:05.000000Z07:00", so exactly six fractional digits are sent.
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
