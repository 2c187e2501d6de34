/**
 * Incremental snapshots must equal a from-scratch build of the same final objects, and must
 * never change afterwards. A seeded random walk of applies and removes drives both sources.
 */
import { describe, expect, it } from 'vitest';
import { lookup } from '../../src/zone/lookup.ts';
import { ClusterModel } from '../../src/zone/model.ts';
import type { Snapshot } from '../../src/zone/snapshot.ts';
import { RRType } from '../../src/zone/types.ts';
import { config, NOW } from './cluster.ts';
import { namespace, pod, service, slice } from './fixtures.ts';
import { showResult } from './rr.ts';
import { rng } from '../helpers/rng.ts';


const NS = ['a', 'b'];
const SVC = ['s0', 's1', 's2'];
const APPS = ['x', 'y'];
const PODS = Array.from({ length: 8 }, (_, i) => `p${i}`);

function randomObject(r: () => number): { key: string; obj: object } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const ns = pick(NS);
  const kind = r();
  if (kind < 0.1) return { key: `Namespace/${ns}`, obj: namespace(ns) };
  if (kind < 0.35) {
    const name = pick(SVC);
    const headless = r() < 0.5;
    const i = SVC.indexOf(name);
    return {
      key: `Service/${ns}/${name}`,
      obj: service(ns, name, {
        ...(headless ? { clusterIP: 'None' } : { clusterIP: `10.96.${NS.indexOf(ns)}.${i + 1}` }),
        selector: r() < 0.9 ? { app: pick(APPS) } : undefined,
        publishNotReadyAddresses: r() < 0.2,
        ports: r() < 0.5 ? [{ name: 'http', port: 80, targetPort: r() < 0.5 ? 8080 : 'web' }] : [{ name: 'http', port: 80 }, { port: 81 }],
      }),
    };
  }
  if (kind < 0.85) {
    const name = pick(PODS);
    const i = PODS.indexOf(name);
    // Now and then an address or a hostname two pods share (hostNetwork pods, a Deployment with spec.hostname).
    const ips = [r() < 0.15 ? `10.1.${NS.indexOf(ns)}.99` : `10.1.${NS.indexOf(ns)}.${i + 1}`, ...(r() < 0.3 ? [`fd00::${NS.indexOf(ns)}:${i + 1}`] : [])];
    return {
      key: `Pod/${ns}/${name}`,
      obj: pod(ns, name, {
        labels: { app: pick(APPS) }, ips: r() < 0.9 ? ips : [], ready: r() < 0.7, deleting: r() < 0.1,
        hostname: r() < 0.5 ? (r() < 0.2 ? 'shared' : name) : undefined, subdomain: pick(SVC), ports: r() < 0.5 ? [{ name: 'web', containerPort: 9000 }] : [],
      }),
    };
  }
  const svc = pick(SVC);
  const name = `${svc}-${Math.floor(r() * 2)}`;
  const eps = PODS.filter(() => r() < 0.3).map((p) => ({
    ip: `10.2.${NS.indexOf(ns)}.${PODS.indexOf(p) + 1}`, hostname: r() < 0.5 ? p : undefined, ready: r() < 0.8,
  }));
  return { key: `EndpointSlice/${ns}/${name}`, obj: slice(ns, name, svc, eps, [{ name: 'http', port: 8080 }]) };
}

const QUESTIONS: Array<[string, number]> = [];
for (const ns of NS) {
  QUESTIONS.push([`${ns}.svc.cluster.local`, RRType.A]);
  for (const s of SVC) {
    const base = `${s}.${ns}.svc.cluster.local`;
    QUESTIONS.push([base, RRType.A], [base, RRType.AAAA], [base, RRType.SRV], [`_http._tcp.${base}`, RRType.SRV], [`_tcp.${base}`, RRType.A]);
    for (const p of [...PODS, 'shared']) QUESTIONS.push([`${p}.${base}`, RRType.A], [`${p}.${base}`, RRType.SRV]);
    QUESTIONS.push([`10-1-${NS.indexOf(ns)}-99.${base}`, RRType.A]);
    for (let i = 1; i <= PODS.length; i++) {
      QUESTIONS.push([`10-1-${NS.indexOf(ns)}-${i}.${base}`, RRType.A], [`10-2-${NS.indexOf(ns)}-${i}.${base}`, RRType.A]);
    }
  }
  for (let i = 1; i <= PODS.length; i++) {
    QUESTIONS.push([`${i}.${NS.indexOf(ns)}.1.10.in-addr.arpa`, RRType.PTR], [`${i}.${NS.indexOf(ns)}.2.10.in-addr.arpa`, RRType.PTR]);
  }
  QUESTIONS.push([`${NS.indexOf(ns)}.1.10.in-addr.arpa`, RRType.PTR], [`1.96.10.in-addr.arpa`, RRType.PTR], [`99.${NS.indexOf(ns)}.1.10.in-addr.arpa`, RRType.PTR]);
}

/** Every answer, with the SOA serial masked (the two models reach the same content at different times). */
function dump(s: Snapshot): string[] {
  return QUESTIONS.map(([q, t]) => JSON.stringify(showResult(lookup(s, q, t, 1))).replace(/ \d{10} 7200 /g, ' SERIAL 7200 '));
}

describe.each([
  { endpointsFrom: 'pods', zones: ['cluster.local'] },
  { endpointsFrom: 'endpointslices', zones: ['cluster.local'] },
  { endpointsFrom: 'pods', zones: ['corp.example', 'cluster.local'] }, // records per zone, PTRs under the primary
] as const)('random walk ($endpointsFrom, $zones)', ({ endpointsFrom, zones }) => {
  it.each(Array.from({ length: 12 }, (_, i) => i + 1))('seed %i: incremental equals from scratch, old snapshots never change', (seed) => {
    const r = rng(seed);
    const m = new ClusterModel(config({ endpointsFrom, zones: [...zones] }), { now: () => NOW });
    m.markSynced();
    const live = new Map<string, object>();
    const kept: Array<{ snap: Snapshot; dump: string[] }> = [];
    for (let step = 0; step < 300; step++) {
      const { key, obj } = randomObject(r);
      if (r() < 0.2 && live.has(key)) {
        m.remove(live.get(key));
        live.delete(key);
      } else {
        m.apply(obj);
        live.set(key, obj);
      }
      // Snapshots at random points, so one snapshot often folds several changes together.
      if (r() < 0.2) {
        const snap = m.snapshot();
        if (r() < 0.15) kept.push({ snap, dump: dump(snap) });
      }
    }
    const fresh = new ClusterModel(config({ endpointsFrom, zones: [...zones] }), { now: () => NOW });
    for (const obj of live.values()) fresh.apply(obj);
    fresh.markSynced();
    expect(dump(m.snapshot())).toEqual(dump(fresh.snapshot()));
    for (const k of kept) expect(dump(k.snap)).toEqual(k.dump);
  });
});
