/**
 * @module Label and field selectors in their string (query parameter) form.
 * Grammar from k8s.io/apimachinery/pkg/labels/selector.go: comma-separated requirements of
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, `k>n`, `k<n`.
 * Field selectors (fields/selector.go) only allow `=`, `==` and `!=`, and each resource
 * supports a fixed set of field paths (registry's GetAttrs / AddFieldLabelConversionFunc).
 */
import { badRequest } from './errors.ts';

export type Op = 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';
export interface Requirement { key: string; op: Op; values: string[] }
export type Selector = readonly Requirement[];

/** Split on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; continue; }
    cur += ch;
  }
  out.push(cur);
  return out.map((p) => p.trim()).filter((p) => p !== '');
}

const SET_RE = /^([^\s!=<>(),]+)\s+(in|notin)\s*\(([^)]*)\)$/;
const CMP_RE = /^([^\s!=<>(),]+)\s*(==|=|!=|>|<)\s*([^\s!=<>(),]*)$/;
const KEY_RE = /^(!?)\s*([^\s!=<>(),]+)$/;

function parseOne(part: string, allowSets: boolean): Requirement {
  const set = allowSets ? SET_RE.exec(part) : null;
  if (set) {
    const values = set[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '');
    return { key: set[1]!, op: set[2] as Op, values };
  }
  const cmp = CMP_RE.exec(part);
  if (cmp) {
    const [, key, op, value] = cmp as unknown as [string, string, string, string];
    if (op === '=' || op === '==') return { key, op: 'in', values: [value] };
    if (op === '!=') return { key, op: 'notin', values: [value] };
    if (!allowSets || !/^-?\d+$/.test(value)) throw badRequest(`unable to parse requirement: for 'gt', 'lt' operators, the value must be an integer: "${part}"`);
    return { key, op: op === '>' ? 'gt' : 'lt', values: [value] };
  }
  const key = allowSets ? KEY_RE.exec(part) : null;
  if (key) return { key: key[2]!, op: key[1] ? '!' : 'exists', values: [] };
  throw badRequest(`unable to parse requirement: invalid selector "${part}"`);
}

export function parseLabelSelector(s: string | null | undefined): Selector {
  if (!s) return [];
  return splitTop(s).map((p) => parseOne(p, true));
}

export function parseFieldSelector(s: string | null | undefined): Selector {
  if (!s) return [];
  return splitTop(s).map((p) => {
    const r = parseOne(p, false);
    if (r.op !== 'in' && r.op !== 'notin') throw badRequest(`invalid field selector: "${p}"`);
    return r;
  });
}

function matchOne(r: Requirement, get: (k: string) => string | undefined): boolean {
  const v = get(r.key);
  switch (r.op) {
    case 'in': return v !== undefined && r.values.includes(v);
    case 'notin': return v === undefined || !r.values.includes(v);
    case 'exists': return v !== undefined;
    case '!': return v === undefined;
    case 'gt': return v !== undefined && /^-?\d+$/.test(v) && Number(v) > Number(r.values[0]);
    case 'lt': return v !== undefined && /^-?\d+$/.test(v) && Number(v) < Number(r.values[0]);
  }
}

export function matchLabels(sel: Selector, labels: Record<string, string> | undefined): boolean {
  return sel.every((r) => matchOne(r, (k) => labels?.[k]));
}

type Obj = { metadata?: { name?: string; namespace?: string }; spec?: Record<string, unknown>; status?: Record<string, unknown>; [k: string]: unknown };

/** Field paths each resource can be selected on, beyond metadata.name and metadata.namespace. */
const EXTRA_FIELDS: Record<string, readonly string[]> = {
  pods: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  namespaces: ['status.phase'],
  nodes: ['spec.unschedulable'],
  events: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  persistentvolumeclaims: ['status.phase'],
  persistentvolumes: ['status.phase'],
  services: ['spec.clusterIP', 'spec.type'],
  'events.events.k8s.io': ['regarding.kind', 'regarding.namespace', 'regarding.name', 'reason', 'type'],
};

function fieldValue(obj: Obj, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  if (typeof cur === 'boolean' || typeof cur === 'number') return String(cur);
  return typeof cur === 'string' ? cur : undefined;
}

/** Reject field paths the resource does not support, with upstream's message. */
export function checkFieldSelector(sel: Selector, resourceKey: string, plural: string): void {
  const allowed = EXTRA_FIELDS[resourceKey] ?? EXTRA_FIELDS[plural] ?? [];
  for (const r of sel) {
    if (r.key === 'metadata.name' || r.key === 'metadata.namespace' || allowed.includes(r.key)) continue;
    throw badRequest(`field label not supported: ${r.key}`);
  }
}

export function matchFields(sel: Selector, obj: Obj): boolean {
  return sel.every((r) => matchOne(r, (k) => fieldValue(obj, k) ?? ''));
}

/** The meta/v1 LabelSelector (matchLabels + matchExpressions) used inside objects. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function selectorFromObject(s: LabelSelectorObject): Selector {
  const reqs: Requirement[] = Object.entries(s.matchLabels ?? {}).map(([key, v]) => ({ key, op: 'in', values: [v] }));
  const ops: Record<string, Op> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };
  for (const e of s.matchExpressions ?? []) {
    const op = ops[e.operator];
    if (!op) throw badRequest(`"${e.operator}" is not a valid label selector operator`);
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return reqs;
}
