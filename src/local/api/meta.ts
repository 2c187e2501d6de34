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

/**
 * Key-order-insensitive JSON equality: the same object may arrive with keys in any order. As
 * JSON.stringify does, a key whose value is undefined counts as absent. Every update of every
 * object compares twice (spec for the generation, then the whole object for a no-op), so this
 * walks the two values instead of serialising both.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && sameArray(a, b);
  return sameObject(a as Record<string, unknown>, b as Record<string, unknown>);
}

function sameArray(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameJson(a[i] ?? null, b[i] ?? null)) return false;
  return true;
}

function sameObject(x: Record<string, unknown>, y: Record<string, unknown>): boolean {
  let defined = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    defined++;
    if (!sameJson(x[k], y[k])) return false;
  }
  for (const k in y) if (y[k] !== undefined) defined--;
  return defined === 0;
}

/** Deep copy of plain JSON data. */
export function clone<T>(o: T): T {
  return structuredClone(o);
}
