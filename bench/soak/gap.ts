/**
 * @module What the oracle cannot know: the cluster states between a watch that ended and the
 * list that replaced it. A relist hands over the state at the list's end; the objects that changed
 * in between may each have changed at any moment of the gap, so every state in which each of them
 * is either as before the gap or as after it may have been current (and been served). A DNS answer
 * from such a state is right. Without this, the oracle's view jumped from the state before the gap
 * to the one after, and a replica that had served a state in between was judged wrong: seed 46 at
 * `ede1851`, whose oracle relisted its pod watch when the API closed it after 30 minutes, while a
 * StatefulSet's four pods were being marked Terminating one after another.
 */
import { selects, type ClusterView, type PodView, type Question, type ServiceView } from './expect.ts';

export interface Gap {
  /** When the watch ended, and when the list's state became the oracle's view (Date.now()). */
  from: number;
  to: number;
  before: ClusterView;
  after: ClusterView;
}

/** More objects than this changed in a gap where a question looks: its states are not enumerated (2^n). */
export const MAX_CHANGED = 12;

type Obj = PodView | ServiceView | undefined;
type Change = { map: 'pods' | 'services'; key: string; after: Obj };

/**
 * Which pods and services the answer to `q` depends on: for a PTR, the pods with that address
 * and every Service; for `<...>.<svc>.<ns>.svc.<zone>`, that Service and the pods it selects at
 * either end of the gap. The question is parsed once, not per object.
 */
function dependsOn(gap: Gap, q: Question): (map: 'pods' | 'services', objs: Obj[]) => boolean {
  const labels = q.name.toLowerCase().replace(/\.$/, '').split('.');
  if (q.type === 'PTR') {
    const ip = labels.slice(0, 4).reverse().join('.');
    return (map, objs) => map === 'services' || objs.some((o) => (o as PodView | undefined)?.ip === ip);
  }
  const i = labels.lastIndexOf('svc');
  const ns = labels[i - 1], svc = labels[i - 2];
  const svcs = [gap.before.services.get(`${ns}/${svc}`), gap.after.services.get(`${ns}/${svc}`)];
  return (map, objs) => map === 'services'
    ? objs.some((o) => o !== undefined && o.ns === ns && o.name === svc)
    : objs.some((o) => o !== undefined && svcs.some((s) => s !== undefined && o.ns === s.ns && selects(s.selector, (o as PodView).labels)));
}

/** The objects `q` depends on that differ between the gap's two ends. */
function changes(gap: Gap, q: Question): Change[] {
  const out: Change[] = [];
  const relevant = dependsOn(gap, q);
  for (const map of ['pods', 'services'] as const) {
    const a = gap.before[map] as ReadonlyMap<string, PodView | ServiceView>;
    const b = gap.after[map] as ReadonlyMap<string, PodView | ServiceView>;
    for (const key of new Set([...a.keys(), ...b.keys()])) {
      const x = a.get(key), y = b.get(key);
      if (x === y || JSON.stringify(x) === JSON.stringify(y)) continue;
      if (relevant(map, [x, y])) out.push({ map, key, after: y });
    }
  }
  return out;
}

/**
 * Every state `q`'s answer may have come from in the gap: each changed object it depends on as
 * before or as after. Undefined when more than MAX_CHANGED such objects changed.
 */
export function statesInGap(gap: Gap, q: Question): ClusterView[] | undefined {
  const cs = changes(gap, q);
  if (cs.length > MAX_CHANGED) return undefined;
  const out: ClusterView[] = [];
  for (let mask = 0; mask < 1 << cs.length; mask++) {
    const pods = new Map(gap.before.pods);
    const services = new Map(gap.before.services);
    cs.forEach((c, i) => {
      if (!(mask & (1 << i))) return;
      const m = (c.map === 'pods' ? pods : services) as Map<string, PodView | ServiceView>;
      if (c.after === undefined) m.delete(c.key);
      else m.set(c.key, c.after);
    });
    out.push({ pods, services, sets: gap.before.sets });
  }
  return out;
}
