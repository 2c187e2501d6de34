/**
 * Expected names (zone/expected.ts): the pure rules, then the lookup table: which NXDOMAINs get
 * the expected-name SOA (TTL and MINIMUM = expectedNegativeTtl, RFC 2308 §5), which keep the
 * zone's, and how pod and StatefulSet events move names in and out of the rule.
 */
import { describe, expect, it } from 'vitest';
import { inRange, ordinalRange, podWillCarry } from '../../src/zone/expected.ts';
import { ClusterModel } from '../../src/zone/model.ts';
import { lookup } from '../../src/zone/lookup.ts';
import { projectPod, projectStatefulSet } from '../../src/zone/project.ts';
import { RRClass, RRType } from '../../src/zone/types.ts';
import { config, NOW } from './cluster.ts';
import { namespace, pod, service } from './fixtures.ts';
import { showResult } from './rr.ts';

const { A, AAAA, SRV } = RRType;
const D = 'default.svc.cluster.local';
const SERIAL = 1000000000; // content snapshots keep the serial until sealed (zone/serial.ts)
const soa = (ttl: number, min: number): string =>
  `cluster.local. ${ttl} IN SOA ns.dns.cluster.local. hostmaster.cluster.local. ${SERIAL} 7200 1800 86400 ${min}`;
const NORMAL = soa(30, 30);
const EXPECTED = soa(0, 0);

function sts(ns: string, name: string, o: { serviceName?: string; replicas?: number; start?: number } = {}): object {
  return {
    kind: 'StatefulSet', apiVersion: 'apps/v1', metadata: { name, namespace: ns },
    spec: {
      ...(o.serviceName !== undefined ? { serviceName: o.serviceName } : {}),
      ...(o.replicas !== undefined ? { replicas: o.replicas } : {}),
      ...(o.start !== undefined ? { ordinals: { start: o.start } } : {}),
    },
  };
}

describe('pure rules', () => {
  it.each([
    [{ hostname: 'web-0', subdomain: 'web', ready: false, ips: ['10.0.0.1'] }, true],
    [{ hostname: 'web-0', subdomain: 'web', ready: true, ips: ['10.0.0.1'] }, false],
    [{ hostname: 'web-0', subdomain: 'web', ready: true, ips: ['10.0.0.1'], deleting: true }, true],
    [{ hostname: 'web-0', subdomain: 'web', ready: true, ips: [] }, true],
    [{ hostname: 'web-0', subdomain: 'web', ready: false, ips: [], phase: 'Failed' }, false],
    [{ hostname: 'web-0', ready: false, ips: [] }, false],
    [{ subdomain: 'web', ready: false, ips: [] }, false],
  ])('podWillCarry(%j) = %s', (o, want) => {
    expect(podWillCarry(projectPod(pod('default', 'web-0', o)))).toBe(want);
  });

  it.each([
    [{ serviceName: 'web', replicas: 3 }, { set: 'web', start: 0, end: 3 }],
    [{ serviceName: 'web' }, { set: 'web', start: 0, end: 1 }], // replicas defaults to 1
    [{ serviceName: 'web', replicas: 2, start: 5 }, { set: 'web', start: 5, end: 7 }],
    [{ serviceName: 'web', replicas: 0 }, undefined],
    [{ replicas: 3 }, undefined], // no governing Service
  ])('ordinalRange(%j) = %j', (o, want) => {
    expect(ordinalRange(projectStatefulSet(sts('default', 'web', o)))).toEqual(want);
  });

  const r = { set: 'web', start: 5, end: 7 };
  it.each([
    ['web-5', true], ['web-6', true], ['web-4', false], ['web-7', false], ['web-05', false], ['web-', false],
    ['web-x', false], ['webs-5', false], ['web5', false], ['web-5-0', false], ['other-5', false],
  ])('inRange(%s, web 5..6) = %s', (host, want) => {
    expect(inRange(host, r)).toBe(want);
  });
});

function model(expectedNegativeTtl: number | undefined): ClusterModel {
  const m = new ClusterModel(config({ ttl: 30, ...(expectedNegativeTtl !== undefined ? { expectedNegativeTtl } : {}) }), { now: () => NOW });
  for (const o of [
    namespace('default'),
    service('default', 'web', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] }),
    service('default', 'db', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] }),
    // web: a Parallel StatefulSet of 3 whose web-0 is Ready and web-1 is starting; web-2 has no pod yet.
    sts('default', 'web', { serviceName: 'web', replicas: 3 }),
    pod('default', 'web-0', { labels: { app: 'web' }, ips: ['10.244.0.10'], hostname: 'web-0', subdomain: 'web' }),
    pod('default', 'web-1', { labels: { app: 'web' }, ips: ['10.244.0.11'], hostname: 'web-1', subdomain: 'web', ready: false }),
    // db: no StatefulSet object (or none we may list): only its pods announce names.
    pod('default', 'db-0', { labels: { app: 'db' }, hostname: 'db-0', subdomain: 'db', ready: false }),
    // A pod with a hostname under a Service it is not in still announces that name.
    pod('default', 'solo', { labels: { app: 'none' }, hostname: 'solo', subdomain: 'web', ready: false }),
  ]) m.apply(o);
  m.markSynced();
  return m;
}

const rows: Array<{ q: string; t: number; soa: string; why: string }> = [
  { q: `web-1.web.${D}`, t: A, soa: EXPECTED, why: 'a pod that is not ready yet' },
  { q: `web-1.web.${D}`, t: AAAA, soa: EXPECTED, why: 'every type' },
  { q: `web-2.web.${D}`, t: A, soa: EXPECTED, why: 'a StatefulSet ordinal without a pod yet' },
  { q: `WEB-2.web.${D}`.toLowerCase(), t: SRV, soa: EXPECTED, why: 'SRV on the peer name' },
  { q: `web-3.web.${D}`, t: A, soa: NORMAL, why: 'beyond the replicas' },
  { q: `web-03.web.${D}`, t: A, soa: NORMAL, why: 'not a pod name' },
  { q: `db-0.db.${D}`, t: A, soa: EXPECTED, why: 'the only pod of a Service with no ready endpoints' },
  { q: `db-1.db.${D}`, t: A, soa: NORMAL, why: 'no pod and no StatefulSet announce it' },
  { q: `solo.web.${D}`, t: A, soa: EXPECTED, why: 'hostname + subdomain, whatever selects it' },
  { q: `web-1.db.${D}`, t: A, soa: NORMAL, why: 'another Service' },
  { q: `web-2.web.other.svc.cluster.local`, t: A, soa: NORMAL, why: 'another namespace' },
  { q: `x.web-2.web.${D}`, t: A, soa: NORMAL, why: 'below the name' },
  { q: `db.${D}`, t: A, soa: NORMAL, why: 'the Service name itself is not a pod name' },
];

describe('lookup: NXDOMAIN for expected names carries the short SOA', () => {
  const on = model(0).snapshot();
  const off = model(undefined).snapshot();
  it.each(rows)('$q ($why)', ({ q, t, soa: want }) => {
    expect(showResult(lookup(on, q, t, RRClass.IN))).toMatchObject({ rcode: 3, aa: true, answer: [], authority: [want] });
    // Without the rule every NXDOMAIN has the zone's SOA.
    expect(showResult(lookup(off, q, t, RRClass.IN))).toMatchObject({ rcode: 3, authority: [NORMAL] });
  });

  it('answers normally once the name exists, and NODATA keeps the zone SOA', () => {
    expect(showResult(lookup(on, `web-0.web.${D}`, A, RRClass.IN)).answer).toEqual([`web-0.web.${D}. 30 IN A 10.244.0.10`]);
    expect(showResult(lookup(on, `web-0.web.${D}`, AAAA, RRClass.IN))).toMatchObject({ rcode: 0, authority: [NORMAL] });
  });

  it('uses the configured TTL for both the SOA TTL and MINIMUM', () => {
    const snap = model(4).snapshot();
    expect(showResult(lookup(snap, `web-2.web.${D}`, A, RRClass.IN)).authority).toEqual([soa(4, 4)]);
  });

  it('still SERVFAILs before the first sync', () => {
    const m = new ClusterModel(config({ ttl: 30, expectedNegativeTtl: 0 }), { now: () => NOW });
    m.apply(sts('default', 'web', { serviceName: 'web', replicas: 3 }));
    expect(lookup(m.snapshot(), `web-2.web.${D}`, A, RRClass.IN).rcode).toBe(2);
  });
});

describe('events move names in and out of the rule', () => {
  // The serial moves with other changes here: compare the SOA without it.
  const soaOf = (m: ClusterModel, q: string): string | undefined =>
    showResult(lookup(m.snapshot(), q, A, RRClass.IN)).authority[0]?.replace(/ \d{10} /, ` ${SERIAL} `);
  it('follows readiness, scaling, ordinals and deletion, without touching the serial', () => {
    const m = model(0);
    const serial = m.snapshot().serial;
    m.apply(pod('default', 'web-1', { labels: { app: 'web' }, ips: ['10.244.0.11'], hostname: 'web-1', subdomain: 'web' }));
    expect(showResult(lookup(m.snapshot(), `web-1.web.${D}`, A, RRClass.IN)).answer).toHaveLength(1);
    m.apply(sts('default', 'web', { serviceName: 'web', replicas: 5 }));
    expect(soaOf(m, `web-4.web.${D}`)).toBe(EXPECTED);
    // web-1 turned Ready: a zone change, which the next seal gives a new serial (zone/serial.ts).
    expect(m.snapshot().sealed).toBe(false);
    const before = m.seal().serial;
    expect(before).toBeGreaterThan(serial);
    m.apply(sts('default', 'web', { serviceName: 'web', replicas: 2, start: 3 }));
    expect(soaOf(m, `web-4.web.${D}`)).toBe(EXPECTED);
    expect(soaOf(m, `web-2.web.${D}`)).toBe(NORMAL);
    // Only negative TTLs changed: the records, so the serial and the seal, stay.
    expect(m.snapshot()).toMatchObject({ serial: before, sealed: true });
    m.remove(sts('default', 'web'));
    expect(soaOf(m, `web-4.web.${D}`)).toBe(NORMAL);
    m.remove(pod('default', 'db-0'));
    expect(soaOf(m, `db-0.db.${D}`)).toBe(NORMAL);
  });

  it('makes no new snapshot for a pod update that changes nothing it announces', () => {
    const m = model(0);
    const v = m.snapshot().version;
    m.apply(pod('default', 'db-0', { labels: { app: 'db', x: 'y' }, hostname: 'db-0', subdomain: 'db', ready: false }));
    expect(m.snapshot().version).toBe(v);
  });
});
