/**
 * @module Small metadata helpers shared by the registry, GC and handlers.
 */
import { randomInt } from 'node:crypto';

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// The alphabet of k8s.io/apimachinery/pkg/util/rand (no vowels, no confusable digits).
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` suffix: 5 random characters (names.SimpleNameGenerator). */
export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHANUMS[randomInt(ALPHANUMS.length)];
  return s;
}

/** Everything except metadata and status: a change here bumps metadata.generation. */
export function specPart(o: Record<string, unknown>): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

/** Key-order-insensitive JSON equality: the same object may arrive with keys in any order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val === null || typeof val !== 'object' || Array.isArray(val)) return val;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(val).sort()) sorted[k] = (val as Record<string, unknown>)[k];
    return sorted;
  });
}

/** Deep copy of plain JSON data. */
export function clone<T>(o: T): T {
  return structuredClone(o);
}
