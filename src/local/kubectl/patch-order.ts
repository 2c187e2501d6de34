/**
 * @module Element order of merged lists in a strategic merge patch, as k8s.io/apimachinery
 * strategicpatch does it (design: "preserve order in strategic merge patch"). The merged
 * elements are split into those the patch names (ordered by the patch list, or by
 * `$setElementOrder` when given) and server-only ones (ordered as in the live list); the two
 * runs are then interleaved using the live order wherever both elements are in the live list.
 * A new element therefore lands before the server-only elements that follow its neighbours,
 * e.g. a new container added by a patch comes first, not last.
 */

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Obj)[k], (b as Obj)[k]));
}

/** Position of `e` in `list`, comparing merge-key values (or the values themselves for primitives). */
function indexIn(list: readonly unknown[], e: unknown, mergeKey: string | undefined): number {
  const key = (x: unknown): unknown => (mergeKey !== undefined && isObj(x) ? x[mergeKey] : x);
  const k = key(e);
  return list.findIndex((x) => deepEqual(key(x), k));
}

function sortBy(items: unknown[], order: readonly unknown[], mergeKey: string | undefined): unknown[] {
  return items.map((e, i) => ({ e, i, r: indexIn(order, e, mergeKey) }))
    .sort((a, b) => (a.r >= 0 && b.r >= 0 ? a.r - b.r : 0) || a.i - b.i)
    .map((x) => x.e);
}

/**
 * Order `merged` given the patch's order (`patchOrder`: the patch list or `$setElementOrder`)
 * and the live list (`serverOrder`).
 */
export function normalizeOrder(merged: readonly unknown[], patchOrder: readonly unknown[], serverOrder: readonly unknown[], mergeKey: string | undefined): unknown[] {
  const named = merged.filter((e) => indexIn(patchOrder, e, mergeKey) >= 0);
  const serverOnly = merged.filter((e) => indexIn(patchOrder, e, mergeKey) < 0);
  const right = sortBy(named, patchOrder, mergeKey);
  const left = sortBy(serverOnly, serverOrder, mergeKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) { out.push(left[i++]); continue; }
    if (i >= left.length) { out.push(right[j++]); continue; }
    // A server-only element goes first only when both are live and it is live-ordered earlier.
    const li = indexIn(serverOrder, left[i], mergeKey);
    const ri = indexIn(serverOrder, right[j], mergeKey);
    if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
    else out.push(right[j++]);
  }
  return out;
}
