/**
 * @module ControllerRevision payloads, hashing, equality, selection and history truncation.
 * Follows upstream pkg/controller/history (HashControllerRevision, ControllerRevisionName,
 * FindEqualRevisions) and stateful_set_control.go (getStatefulSetRevisions, truncateHistory).
 */
import type { ControllerRevision, Pod, StatefulSet } from './types.ts';
import { LABELS } from './types.ts';
import { podRevision, setControllerRef } from './pods.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Drop null/undefined members and `template.metadata.creationTimestamp`: Go's omitempty removes
 * nil pointers, and since 1.34 the serializer no longer writes `creationTimestamp: null`
 * (kubernetes#134773), so neither may influence the hash or equality.
 */
export function normalizeTemplate(template: unknown): Json {
  const clean = stripNulls(template) as { [k: string]: Json } | undefined;
  const meta = clean?.metadata;
  if (meta && typeof meta === 'object' && !Array.isArray(meta)) {
    const { creationTimestamp: _drop, ...rest } = meta;
    return { ...clean, metadata: rest };
  }
  return clean ?? {};
}

function stripNulls(value: unknown): Json | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (Array.isArray(value)) return value.map((v) => stripNulls(v) ?? null);
  if (typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      const s = stripNulls(v);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return value as Json;
}

// Go's encoding/json escapes these for safe embedding in HTML; byte-exact hashes need the same.
const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** JSON as Go's json.Marshal writes a map[string]interface{}: keys sorted at every level. */
export function goJson(value: Json): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
  }
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  // Go sorts map keys by byte order; code-unit order agrees for the ASCII keys the API uses.
  const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${goJson(k)}:${goJson(value[k] as Json)}`).join(',')}}`;
}

/** getPatch: `{"spec":{"template":{…,"$patch":"replace"}}}`. */
export function revisionPayload(set: StatefulSet): { spec: { template: { [k: string]: Json } } } {
  const template = normalizeTemplate(set.spec.template) as { [k: string]: Json };
  return { spec: { template: { ...template, $patch: 'replace' } } };
}

/** FNV-1 (not 1a) 32-bit over UTF-8 bytes, continuing from `seed`. */
export function fnv1(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) h = (Math.imul(h, 0x01000193) ^ b) >>> 0;
  return h >>> 0;
}

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: map each character to an unambiguous, vowel-free alphabet. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/** HashControllerRevision: FNV-1 over the payload bytes, then the decimal collision count. */
export function hashRevision(payloadJson: string, collisionCount: number): string {
  const enc = new TextEncoder();
  const h = fnv1(enc.encode(String(collisionCount)), fnv1(enc.encode(payloadJson)));
  return safeEncode(String(h));
}

/** ControllerRevisionName: the prefix is cut to 223 bytes so the name fits 253. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/** newRevision: payload, labels (template + hash), set annotations, controllerRef, number. */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const data = revisionPayload(set);
  const hash = hashRevision(goJson(data), collisionCount);
  return {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: {
      name: revisionName(set.metadata.name ?? '', hash), namespace: set.metadata.namespace,
      labels: { ...set.spec.template.metadata?.labels, [LABELS.revisionHash]: hash },
      ...(set.metadata.annotations ? { annotations: { ...set.metadata.annotations } } : {}),
      ownerReferences: [setControllerRef(set)],
    },
    data, revision,
  };
}

function templateOf(rev: ControllerRevision): Json {
  const t = (rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {};
  const { $patch: _p, ...rest } = t;
  return normalizeTemplate(rest);
}

// Every sync compares the candidate with each stored revision. Informer objects are replaced,
// never changed in place, so a revision's template JSON can be kept for as long as the object.
const templateJson = new WeakMap<ControllerRevision, string>();

function templateJsonOf(rev: ControllerRevision): string {
  let json = templateJson.get(rev);
  if (json === undefined) {
    json = goJson(templateOf(rev));
    templateJson.set(rev, json);
  }
  return json;
}

/** Semantic equality (StatefulSetSemanticRevisionComparison): serializer-only differences do not count. */
export function revisionsEqual(a: ControllerRevision, b: ControllerRevision): boolean {
  return templateJsonOf(a) === templateJsonOf(b);
}

/** byRevision: revision number, then creation time, then name. */
export function sortRevisions(revisions: readonly ControllerRevision[]): ControllerRevision[] {
  const ts = (r: ControllerRevision) => String(r.metadata.creationTimestamp ?? '');
  return [...revisions].sort((a, b) =>
    a.revision - b.revision || ts(a).localeCompare(ts(b)) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

export interface RevisionChoice {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
  /** At most one write: create the update revision, or bump an older equal one (rollback). */
  write?: { kind: 'createRevision' | 'updateRevision'; revision: ControllerRevision };
}

/** getStatefulSetRevisions over the set's (sorted or unsorted) revisions. */
export function chooseRevisions(set: StatefulSet, revisions: readonly ControllerRevision[]): RevisionChoice {
  const sorted = sortRevisions(revisions);
  let collisionCount = set.status?.collisionCount ?? 0;
  const next = sorted.length === 0 ? 1 : (sorted[sorted.length - 1]?.revision ?? 0) + 1;
  let candidate = newRevision(set, next, collisionCount);
  const equal = sorted.filter((r) => revisionsEqual(r, candidate));
  const latest = sorted[sorted.length - 1];
  const lastEqual = equal[equal.length - 1];
  let update: ControllerRevision;
  let write: RevisionChoice['write'];
  if (latest && lastEqual && revisionsEqual(latest, lastEqual)) {
    update = latest;
  } else if (lastEqual) {
    update = { ...lastEqual, revision: next };
    write = { kind: 'updateRevision', revision: update };
  } else {
    // CreateControllerRevision: a name taken by different data is a hash collision.
    const names = new Set(sorted.map((r) => r.metadata.name));
    while (names.has(candidate.metadata.name)) candidate = newRevision(set, next, ++collisionCount);
    update = candidate;
    write = { kind: 'createRevision', revision: update };
  }
  const current = sorted.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount, ...(write ? { write } : {}) };
}

/**
 * truncateHistory: revisions that are neither current, update, nor named by a pod's
 * controller-revision-hash label are history; the oldest beyond revisionHistoryLimit go.
 */
export function revisionsToPrune(
  set: StatefulSet, pods: readonly Pod[], revisions: readonly ControllerRevision[],
  current: ControllerRevision, update: ControllerRevision,
): ControllerRevision[] {
  const live = new Set([current.metadata.name, update.metadata.name, ...pods.map(podRevision)]);
  const history = sortRevisions(revisions).filter((r) => !live.has(r.metadata.name));
  const limit = set.spec.revisionHistoryLimit ?? 10;
  return history.length > limit ? history.slice(0, history.length - limit) : [];
}
