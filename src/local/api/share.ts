/**
 * @module Structural sharing between the versions of one stored object.
 *
 * Each write stores a whole new object, parsed from a request body or cloned from the previous
 * version, and the watch history (store.ts) keeps every version of the last minutes, each with
 * the version before it. Most writes change little: a readiness flip rewrites one condition of a
 * pod, or one endpoint of an EndpointSlice that lists a hundred. In a soak of `ordinal local`
 * (bench/soak), most of the API server's heap was copies of unchanged endpoints held by the
 * history (60,000 endpoint objects for ~600 live ones), and the heap, so RSS, rose and fell with
 * the history's length.
 *
 * Here a new version takes every subtree that equals the previous version's at the same place
 * (a property of the same name; an array element at the same index, or one index off, so that
 * one endpoint added or removed in the middle of a slice does not unshare the rest), so each
 * version costs what it changed. That is safe because stored objects are never mutated: every
 * writer clones before it changes anything (registry.ts, handlers.ts).
 */

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A value equal to `next` that is made of `prev`'s subtrees wherever they equal `next`'s at the
 * same place: `prev` itself when the two are equal throughout (same keys in the same order: the
 * order is what a client reads back), `next` itself when nothing is, and otherwise new containers
 * on the paths that changed. Neither argument is changed: either may be (part of) a stored object.
 */
export function shareUnchanged<T>(prev: Json, next: T): T {
  return share(prev, next) as T;
}

function share(prev: Json, next: Json): Json {
  if (prev === next) return prev; // equal primitives too: a string is then prev's instance
  if (typeof next !== 'object' || next === null) return next;
  if (Array.isArray(next)) return Array.isArray(prev) ? shareArray(prev, next) : next;
  return isObject(prev) ? shareObject(prev, next as Record<string, Json>) : next;
}

/**
 * Whether `s`, what share() gave for `n`, is to be stored instead of `n`: a container of `prev`'s
 * or a new one, or a string of `prev`'s (equal to `n`, but one string in memory fewer).
 */
const replaces = (s: Json, n: Json, matched: boolean): boolean => (typeof s === 'string' ? matched : s !== n);

/**
 * What to store for `n`, element i of a new array, and whether it is one of `prev`'s elements:
 * the one at the same index, else the one after it (an element removed before i) or before it
 * (one inserted), where only a whole match counts; else `n` sharing what it can with prev[i].
 */
function element(prev: Json[], i: number, n: Json): [Json, boolean] {
  const s = i < prev.length ? share(prev[i], n) : n;
  if (i < prev.length && s === prev[i]) return [s, true];
  for (const j of [i + 1, i - 1]) if (j >= 0 && j < prev.length && share(prev[j], n) === prev[j]) return [prev[j], true];
  return [s, false];
}

function shareArray(prev: Json[], next: Json[]): Json {
  let same = prev.length === next.length;
  let out: Json[] | undefined;
  for (let i = 0; i < next.length; i++) {
    const n = next[i];
    const [s, matched] = element(prev, i, n);
    if (s !== prev[i] || !matched) same = false;
    if (!out && replaces(s, n, matched)) out = next.slice(0, i);
    out?.push(s);
  }
  return same ? prev : (out ?? next);
}

/** A property of a plain object, `__proto__` included (JSON.parse makes it an own property too). */
function set(o: Record<string, Json>, k: string, v: Json): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

function shareObject(prev: Record<string, Json>, next: Record<string, Json>): Json {
  const pk = Object.keys(prev);
  const nk = Object.keys(next);
  let same = pk.length === nk.length;
  let out: Record<string, Json> | undefined;
  for (let i = 0; i < nk.length; i++) {
    const k = nk[i]!;
    const n = next[k];
    const has = Object.hasOwn(prev, k);
    const s = has ? share(prev[k], n) : n;
    const matched = has && s === prev[k];
    if (!matched || pk[i] !== k) same = false;
    if (!out && replaces(s, n, matched)) {
      out = {};
      for (let j = 0; j < i; j++) set(out, nk[j]!, next[nk[j]!]);
    }
    if (out) set(out, k, s);
  }
  return same ? prev : (out ?? next);
}
