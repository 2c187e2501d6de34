/**
 * @module Label selector matching (metav1.LabelSelector semantics).
 * An empty selector matches everything here; the API rejects empty StatefulSet selectors at
 * validation time ("empty selector is not valid for statefulset."), so the controller never
 * sees one from a real server.
 */
import type { LabelSelector, LabelSelectorRequirement } from './types.ts';

/** Thrown for a selector the API would not have accepted; the sync stops without retrying. */
export class SelectorError extends Error {}

function matchesRequirement(req: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(labels[req.key] ?? '');
    case 'NotIn':
      return !has || !values.includes(labels[req.key] ?? '');
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      throw new SelectorError(`"${req.operator}" is not a valid label selector operator`);
  }
}

/** True when `labels` satisfy every matchLabels entry and every matchExpressions requirement. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (have[k] !== v) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => matchesRequirement(req, have));
}

/** Render a selector in the `?labelSelector=` query syntax (for list/watch calls). */
export function selectorString(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = (req.values ?? []).join(',');
    if (req.operator === 'In') parts.push(`${req.key} in (${values})`);
    else if (req.operator === 'NotIn') parts.push(`${req.key} notin (${values})`);
    else if (req.operator === 'Exists') parts.push(req.key);
    else if (req.operator === 'DoesNotExist') parts.push(`!${req.key}`);
    else throw new SelectorError(`"${req.operator}" is not a valid label selector operator`);
  }
  return parts.join(',');
}
