import { describe, expect, it } from 'vitest';
import { expectedAnswer, type ClusterView, type PodView, type ServiceView } from '../../bench/soak/expect.ts';
import { MAX_CHANGED, statesInGap, type Gap } from '../../bench/soak/gap.ts';

const svc = (name: string): ServiceView => ({ ns: 'soak', name, headless: true, selector: { app: name }, ports: [{ name: 'peer', protocol: 'TCP', port: 7000, targetPort: 7000 }], publishNotReady: false });
const pod = (set: string, i: number, ip: string, over: Partial<PodView> = {}): PodView => ({
  ns: 'soak', name: `${set}-${i}`, uid: `${set}-${i}-uid`, ip, ready: true, terminating: false, terminal: false, hostname: `${set}-${i}`, subdomain: set,
  labels: { app: set }, set, ordinal: i, claims: [], nodeName: 'node-0', containerPorts: { peer: 7000 }, ...over,
});
const view = (pods: PodView[], services: ServiceView[] = [svc('s8'), svc('s4')]): ClusterView => ({
  pods: new Map(pods.map((p) => [`${p.ns}/${p.name}`, p])), services: new Map(services.map((s) => [`${s.ns}/${s.name}`, s])), sets: new Map(),
});
const gap = (before: ClusterView, after: ClusterView): Gap => ({ from: 0, to: 1, before, after });
const answers = (g: Gap, name: string, type: 'A' | 'SRV' | 'PTR' = 'A'): string[] | undefined => {
  const states = statesInGap(g, { name, type });
  return states && [...new Set(states.map((v) => expectedAnswer(v, { name, type })))].sort();
};

// Seed 46 at ede1851: the oracle relisted its pods while s8's four pods were being marked
// Terminating one by one, and the replica had answered from a state in between.
const s8 = [pod('s8', 0, '10.244.0.41'), pod('s8', 1, '10.244.0.40'), pod('s8', 3, '10.244.1.11'), pod('s8', 4, '10.244.1.15')];
const s8Gone = s8.map((p) => ({ ...p, terminating: true }));

describe('statesInGap', () => {
  it.each([
    {
      name: 'each changed pod as before or after: the states in between are there',
      g: gap(view(s8), view(s8Gone)), q: 's8.soak.svc.cluster.local',
      has: ['10.244.0.40 | 10.244.0.41', '10.244.0.40 | 10.244.0.41 | 10.244.1.11 | 10.244.1.15', 'NXDOMAIN'], count: 16,
    },
    {
      name: 'pods of other Services do not multiply the states',
      g: gap(view([...s8, pod('s4', 0, '10.244.2.1')]), view([...s8, pod('s4', 0, '10.244.2.1', { ready: false })])), q: 's8.soak.svc.cluster.local',
      has: ['10.244.0.40 | 10.244.0.41 | 10.244.1.11 | 10.244.1.15'], count: 1,
    },
    {
      name: 'a pod the Service selects only after the gap counts',
      g: gap(view([pod('s8', 0, '10.244.0.41', { labels: { app: 'x' } })]), view([pod('s8', 0, '10.244.0.41')])), q: 's8.soak.svc.cluster.local',
      has: ['10.244.0.41', 'NXDOMAIN'], count: 2,
    },
    {
      name: 'a PTR depends on the pods with that address',
      g: gap(view([pod('s8', 3, '10.244.1.11')]), view([])), q: '11.1.244.10.in-addr.arpa', type: 'PTR' as const,
      has: ['NXDOMAIN', 's8-3.s8.soak.svc.cluster.local'], count: 2,
    },
  ])('$name', ({ g, q, type, has, count }) => {
    const got = answers(g, q, type);
    expect(got).toEqual(expect.arrayContaining(has));
    expect(statesInGap(g, { name: q, type: type ?? 'A' })).toHaveLength(count);
  });

  it('never a state with an address that was at neither end', () => {
    expect(answers(gap(view(s8), view(s8Gone)), 's8.soak.svc.cluster.local')).not.toContain('10.244.0.40 | 10.244.0.41 | 10.244.9.9');
    const all = answers(gap(view(s8), view(s8Gone)), 's8.soak.svc.cluster.local')!;
    for (const a of all) for (const ip of a.split(' | ')) expect(['NXDOMAIN', ...s8.map((p) => p.ip)]).toContain(ip);
  });

  it(`gives up past ${MAX_CHANGED} changed objects the question depends on`, () => {
    const many = Array.from({ length: MAX_CHANGED + 1 }, (_, i) => pod('s8', i, `10.244.3.${i}`));
    expect(statesInGap(gap(view(many), view([])), { name: 's8.soak.svc.cluster.local', type: 'A' })).toBeUndefined();
    expect(statesInGap(gap(view(many.slice(1)), view([])), { name: 's8.soak.svc.cluster.local', type: 'A' })).toHaveLength(2 ** MAX_CHANGED);
  });
});
