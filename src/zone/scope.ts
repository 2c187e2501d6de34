/**
 * @module What part of the zone an answer depends on, so that the dns layer's answer cache
 * keeps the answers a zone change did not touch instead of emptying itself on every change.
 *
 * A positive answer for a name under `<svc>.<ns>.svc.<zone>` is built from that service's
 * SvcView alone (lookup.ts findUnderSvc): snapshots share every view a change did not rebuild
 * (model.ts, cow.ts), so an identical view means an identical answer. Everything else depends
 * on the zone as a whole and is "global": negative answers carry the SOA, whose serial moves
 * with every change (RFC 2308 §3), and NXDOMAIN vs NODATA depends on which names exist; an
 * alias (ExternalName) depends on its target; apex, `pod.<zone>` and reverse names depend on
 * indexes over every service.
 */
import type { Snapshot } from './snapshot.ts';
import { RRType, Rcode, type LookupResult, type ZoneSnapshot } from './types.ts';

/** `ns/svc` of the one service an answer depends on; null when it depends on the whole zone. */
export function answerScope(snap: ZoneSnapshot, qname: string, res: LookupResult): string | null {
  if (res.rcode !== Rcode.NOERROR || res.answer.length === 0 || res.authority.length > 0) return null;
  for (const rr of res.answer) if (rr.type === RRType.CNAME) return null;
  const forward = (snap as Snapshot).forward;
  for (const apex of forward) {
    const z = apex.name;
    if (!qname.endsWith(`.${z}`)) continue;
    const rel = qname.slice(0, -z.length - 1).split('.');
    const n = rel.length;
    // `<svc>.<ns>.svc` and the names below it; another, longer zone may hold the name instead.
    if (n < 3 || rel[n - 1] !== 'svc' || forward.some((o) => o.name.length > z.length && qname.endsWith(`.${o.name}`))) return null;
    return `${rel[n - 2]}/${rel[n - 3]}`;
  }
  return null;
}

/**
 * True when `scope` (from answerScope) holds the same data in both snapshots. Both come from
 * one model, so zones and TTL are the same; the apexes are rebuilt by seal() with the same
 * names, so only the service's view is compared.
 */
export function sameScope(prev: ZoneSnapshot, next: ZoneSnapshot, scope: string): boolean {
  const i = scope.indexOf('/');
  const ns = scope.slice(0, i);
  const svc = scope.slice(i + 1);
  const va = (prev as Snapshot).namespaces.get(ns)?.get(svc);
  return va !== undefined && va === (next as Snapshot).namespaces.get(ns)?.get(svc);
}
