/** ClusterModel dynamics: sync gating, versions and serials, immutability, sharing, ingest API. */
import { describe, expect, it } from 'vitest';
import { lookup } from '../../src/zone/lookup.ts';
import { ClusterModel } from '../../src/zone/model.ts';
import { projectPod } from '../../src/zone/project.ts';
import type { Snapshot } from '../../src/zone/snapshot.ts';
import { RRType, Rcode } from '../../src/zone/types.ts';
import { cluster, config, NOW } from './cluster.ts';
import { namespace, pod, service } from './fixtures.ts';
import { show, showResult } from './rr.ts';

const D = 'default.svc.cluster.local';
const q = (s: Snapshot, name: string, type: number = RRType.A): ReturnType<typeof showResult> => showResult(lookup(s, name, type, 1));
const rcode = (s: Snapshot, name: string, type: number = RRType.A): number => lookup(s, name, type, 1).rcode;
const kubiaPod = (i: number, o: Parameters<typeof pod>[2] = {}): object =>
  pod('default', `kubia-${i}`, { labels: { app: 'kubia' }, ips: [`10.244.1.${10 + i}`], hostname: `kubia-${i}`, subdomain: 'kubia', ...o });

describe('before the first sync', () => {
  it.each([
    { name: 'missing service', qname: `nope.${D}`, before: Rcode.SERVFAIL, after: Rcode.NXDOMAIN },
    { name: 'headless without ready endpoints', qname: `empty-hl.${D}`, before: Rcode.SERVFAIL, after: Rcode.NXDOMAIN },
    { name: 'missing namespace', qname: 'nope.svc.cluster.local', before: Rcode.SERVFAIL, after: Rcode.NXDOMAIN },
    { name: 'missing reverse name', qname: '9.9.9.9.in-addr.arpa', before: Rcode.SERVFAIL, after: Rcode.NXDOMAIN },
    { name: 'existing name is answered', qname: `kubia.${D}`, before: Rcode.NOERROR, after: Rcode.NOERROR },
    { name: 'NODATA is not a lie', qname: 'svc.cluster.local', before: Rcode.NOERROR, after: Rcode.NOERROR },
    { name: 'outside the zone stays REFUSED', qname: 'example.com', before: Rcode.REFUSED, after: Rcode.REFUSED },
  ])('$name', ({ qname, before, after }) => {
    const m = cluster({}, false);
    const s0 = m.snapshot();
    expect(rcode(s0, qname)).toBe(before);
    if (before === Rcode.SERVFAIL) expect(q(s0, qname)).toEqual({ rcode: 2, aa: false, answer: [], authority: [], additional: [] });
    m.markSynced();
    const s1 = m.snapshot();
    expect(s1.version).toBeGreaterThan(s0.version);
    expect(rcode(s1, qname)).toBe(after);
    expect(rcode(s0, qname)).toBe(before); // the old snapshot did not change
  });
});

describe('versions and serials', () => {
  it('returns the same snapshot while nothing changes, also for invisible updates', () => {
    const m = cluster();
    const s1 = m.snapshot();
    expect(m.snapshot()).toBe(s1);
    m.apply(kubiaPod(0)); // identical content
    m.apply(pod('default', 'lonely', { labels: { app: 'nothing' }, ips: ['10.9.9.9'] })); // selected by no service
    expect(m.snapshot()).toBe(s1);
  });

  it('bumps the version on every visible change; the serial only when sealed, to the clock second', () => {
    let now = NOW;
    const m = new ClusterModel(config(), { now: () => now });
    m.apply(namespace('default'));
    m.apply(service('default', 'kubia', { clusterIP: 'None', selector: { app: 'kubia' } }));
    m.markSynced();
    const s1 = m.snapshot();
    expect([s1.serial, s1.sealed]).toEqual([NOW / 1000, false]); // content newer than its serial
    now += 1001;
    const sealed = m.seal();
    expect([sealed.serial, sealed.sealed, sealed.version - s1.version]).toEqual([NOW / 1000 + 1, true, 1]);
    expect(m.seal()).toBe(sealed); // nothing new to seal
    m.apply(kubiaPod(0));
    const s2 = m.snapshot();
    m.apply(kubiaPod(1));
    const s3 = m.snapshot();
    expect([s2.version - sealed.version, s3.version - s2.version]).toEqual([1, 1]);
    expect([s2.serial, s3.serial, s3.sealed]).toEqual([sealed.serial, sealed.serial, false]);
    // Same second as the last seal (clock not ahead): prev + 1.
    expect(m.seal().serial).toBe(sealed.serial + 1);
    now += 3_600_000;
    m.remove(kubiaPod(0));
    m.snapshot();
    const s4 = m.seal();
    expect(s4.serial).toBe(Math.floor(now / 1000));
    const soa = q(s4, 'cluster.local', RRType.SOA).answer[0];
    expect(soa).toContain(` ${s4.serial} 7200 1800 86400 5`);
  });
});

describe('immutability and sharing', () => {
  it('an old snapshot keeps answering as before', () => {
    const m = cluster();
    const s1 = m.snapshot();
    const before = [`kubia.${D}`, `kubia-0.kubia.${D}`, '10.1.244.10.in-addr.arpa'].map((n) => q(s1, n, n.endsWith('arpa') ? RRType.PTR : RRType.A));
    m.remove(kubiaPod(0));
    m.remove(service('default', 'web'));
    const s2 = m.snapshot();
    expect(rcode(s2, `kubia-0.kubia.${D}`)).toBe(Rcode.NXDOMAIN);
    expect(rcode(s2, '10.1.244.10.in-addr.arpa', RRType.PTR)).toBe(Rcode.NXDOMAIN);
    expect(rcode(s2, `web.${D}`)).toBe(Rcode.NXDOMAIN);
    expect(rcode(s2, '20.0.96.10.in-addr.arpa', RRType.PTR)).toBe(Rcode.NXDOMAIN);
    const after = [`kubia.${D}`, `kubia-0.kubia.${D}`, '10.1.244.10.in-addr.arpa'].map((n) => q(s1, n, n.endsWith('arpa') ? RRType.PTR : RRType.A));
    expect(after).toEqual(before);
    expect(rcode(s1, `web.${D}`)).toBe(Rcode.NOERROR);
  });

  it('a pod change replaces only the path to its service', () => {
    const m = cluster();
    const s1 = m.snapshot();
    m.apply(kubiaPod(2)); // kubia-2 becomes ready
    const s2 = m.snapshot();
    expect(s2).not.toBe(s1);
    expect(s2.namespaces.get('apps')).toBe(s1.namespaces.get('apps'));
    expect(s2.namespaces.get('default')?.get('web')).toBe(s1.namespaces.get('default')?.get('web'));
    expect(s2.namespaces.get('default')?.get('kubia')).not.toBe(s1.namespaces.get('default')?.get('kubia'));
    expect(q(s2, `kubia-2.kubia.${D}`).answer).toEqual([`kubia-2.kubia.${D}. 5 IN A 10.244.1.12`]);
  });
});

describe('ingest', () => {
  it('moves a pod between services when its labels change', () => {
    const m = cluster();
    m.apply(service('default', 'other', { clusterIP: 'None', selector: { app: 'other' } }));
    m.apply(pod('default', 'kubia-0', { labels: { app: 'other' }, ips: ['10.244.1.10'] }));
    const s = m.snapshot();
    expect(q(s, `kubia.${D}`).answer).toEqual([`kubia.${D}. 5 IN A 10.244.1.11`]);
    expect(q(s, `other.${D}`).answer).toEqual([`other.${D}. 5 IN A 10.244.1.10`]);
  });

  it('accepts slim records, and list items with the kind passed separately', () => {
    const m = cluster();
    m.apply(projectPod(kubiaPod(2)));
    const { kind: _k, ...item } = kubiaPod(3) as Record<string, unknown>;
    m.apply(item, 'Pod');
    const s = m.snapshot();
    expect(q(s, `kubia.${D}`).answer).toHaveLength(4);
    m.remove(projectPod(kubiaPod(3)));
    expect(q(m.snapshot(), `kubia.${D}`).answer).toHaveLength(3);
  });

  it.each([
    { name: 'unknown kind', obj: { kind: 'ConfigMap', metadata: { name: 'x' } }, err: /unsupported kind "ConfigMap"/ },
    { name: 'no kind at all', obj: { metadata: { name: 'x' } }, err: /unsupported kind undefined/ },
    { name: 'no name', obj: { kind: 'Service', metadata: {} }, err: /Service without metadata.name/ },
    { name: 'broken slim record', obj: { kind: 'Pod' }, err: /not a slim Pod record/ },
  ])('rejects bad input with a clear error: $name', ({ obj, err }) => {
    const m = cluster();
    const s1 = m.snapshot();
    expect(() => m.apply(obj)).toThrow(err);
    expect(m.snapshot()).toBe(s1);
  });

  it('namespaces exist while a Namespace object or a Service is present', () => {
    const m = cluster();
    m.remove(namespace('empty'));
    m.remove(namespace('apps'));
    const s = m.snapshot();
    expect(rcode(s, 'empty.svc.cluster.local')).toBe(Rcode.NXDOMAIN);
    expect(rcode(s, 'apps.svc.cluster.local')).toBe(Rcode.NOERROR); // db still lives there
    m.remove(service('apps', 'db'));
    expect(rcode(m.snapshot(), 'apps.svc.cluster.local')).toBe(Rcode.NXDOMAIN);
  });

  it('reports stats', () => {
    const m = cluster();
    m.snapshot();
    const st = m.stats();
    expect(st).toMatchObject({ namespaces: 3, services: 11, pods: 8, slices: 0 });
    expect(st.names).toBeGreaterThan(10);
    expect(st.records).toBeGreaterThan(st.names);
  });
});

describe('configuration', () => {
  it.each([
    { ttl: 30, soaTtl: 30 },
    { ttl: 0, soaTtl: 0 },
    { ttl: 600, soaTtl: 300 },
  ])('ttl $ttl: records use it, SOA TTL is min(ttl, 300), MINIMUM is ttl', ({ ttl, soaTtl }) => {
    const s = cluster({ ttl }).snapshot();
    expect(q(s, `kubia-0.kubia.${D}`).answer).toEqual([`kubia-0.kubia.${D}. ${ttl} IN A 10.244.1.10`]);
    expect(q(s, 'nope.cluster.local').authority[0]).toMatch(new RegExp(`^cluster\\.local\\. ${soaTtl} IN SOA .* 7200 1800 86400 ${ttl}$`));
    expect(q(s, 'dns-version.cluster.local', RRType.TXT).answer[0]).toContain(' 28800 IN TXT ');
  });

  it('serves every forward zone; PTR targets use the primary', () => {
    const s = cluster({ zones: ['cluster.local', 'corp.example'] }).snapshot();
    expect(q(s, 'kubia-0.kubia.default.svc.corp.example').answer).toEqual(['kubia-0.kubia.default.svc.corp.example. 5 IN A 10.244.1.10']);
    expect(q(s, '_http._tcp.web.default.svc.corp.example', RRType.SRV).answer).toEqual(['_http._tcp.web.default.svc.corp.example. 5 IN SRV 0 100 80 web.default.svc.corp.example.']);
    expect(q(s, 'nope.corp.example').authority[0]).toMatch(/^corp\.example\. 5 IN SOA ns\.dns\.corp\.example\. hostmaster\.corp\.example\. /);
    expect(q(s, '10.1.244.10.in-addr.arpa', RRType.PTR).answer).toEqual([`10.1.244.10.in-addr.arpa. 5 IN PTR kubia-0.kubia.${D}.`]);
  });

  it('without reverse zones, reverse names are REFUSED and no PTR is built', () => {
    const s = cluster({ reverseZones: [] }).snapshot();
    expect(rcode(s, '10.1.244.10.in-addr.arpa', RRType.PTR)).toBe(Rcode.REFUSED);
    expect(s.ptrIndex.size).toBe(0);
  });

  it('a narrower reverse zone is its own apex', () => {
    const s = cluster({ reverseZones: ['244.10.in-addr.arpa'] }).snapshot();
    expect(q(s, '244.10.in-addr.arpa', RRType.SOA).answer.map((a) => a.split(' ').slice(0, 4).join(' '))).toEqual(['244.10.in-addr.arpa. 5 IN SOA']);
    expect(rcode(s, '20.0.96.10.in-addr.arpa', RRType.PTR)).toBe(Rcode.REFUSED);
    expect(q(s, '10.1.244.10.in-addr.arpa', RRType.PTR).answer.map((a) => a.split(' PTR ')[1])).toEqual([`kubia-0.kubia.${D}.`]);
  });

  it('without nsAddresses the NS record stays and ns.dns has no address', () => {
    const s = cluster({ nsAddresses: [] }).snapshot();
    expect(q(s, 'cluster.local', RRType.NS)).toMatchObject({ answer: ['cluster.local. 5 IN NS ns.dns.cluster.local.'], additional: [] });
    expect(q(s, 'ns.dns.cluster.local')).toMatchObject({ rcode: 0, answer: [] });
  });
});

it('every tail decodes cleanly (rdlength matches)', () => {
  const s = cluster().snapshot();
  const views = [...s.namespaces.values()].flatMap((svcs) => [...svcs.values()]);
  const nodes = views.flatMap((v) => v.byZone.flatMap((z) => [z.self, ...z.children.values()]));
  const rrs = nodes.flatMap((n) => [...n.sets.values()].flat());
  for (const r of rrs) show(r);
  expect(rrs.length).toBeGreaterThan(40);
});

it('a service whose names cannot be encoded is served as absent and reported', () => {
  const errors: string[] = [];
  const zone = `${'z'.repeat(60)}.${'y'.repeat(60)}.${'x'.repeat(60)}`;
  const m = new ClusterModel(config({ zones: [zone] }), { now: () => NOW, onError: (_e, k) => errors.push(k) });
  m.apply(namespace('default'));
  m.apply(service('default', 'ok', { clusterIP: '10.0.0.1' }));
  m.apply(service('default', 'a'.repeat(63), { clusterIP: '10.0.0.2', ports: [{ name: 'http', port: 80 }] }));
  m.markSynced();
  const s = m.snapshot();
  expect(errors).toEqual([`default/${'a'.repeat(63)}`]);
  expect(rcode(s, `ok.default.svc.${zone}`)).toBe(Rcode.NOERROR);
  expect(rcode(s, `${'a'.repeat(63)}.default.svc.${zone}`)).toBe(Rcode.NXDOMAIN);
});

describe('incremental rebuild of one large service', () => {
  const build = (n: number): ClusterModel => {
    const m = new ClusterModel(config(), { now: () => NOW });
    m.apply(namespace('default'));
    m.apply(service('default', 'big', { clusterIP: 'None', selector: { app: 'big' }, ports: [{ name: 'http', port: 80 }] }));
    for (let i = 0; i < n; i++) m.apply(pod('default', `big-${i}`, { labels: { app: 'big' }, ips: [`10.7.${i >> 8}.${i & 255}`], hostname: `big-${i}`, subdomain: 'big' }));
    m.markSynced();
    return m;
  };
  const zoneView = (s: Snapshot) => s.namespaces.get('default')?.get('big')?.byZone[0];

  it('reuses the records of untouched endpoints and updates the sets', () => {
    const m = build(300);
    const s1 = m.snapshot();
    m.apply(pod('default', 'big-7', { labels: { app: 'big' }, ips: ['10.7.0.7'], hostname: 'big-7', subdomain: 'big', ready: false }));
    const s2 = m.snapshot();
    expect(zoneView(s2)?.children.get('big-8')).toBe(zoneView(s1)?.children.get('big-8'));
    expect(zoneView(s2)?.children.has('big-7')).toBe(false);
    expect(q(s2, 'big.default.svc.cluster.local').answer).toHaveLength(299);
    const srv = q(s2, '_http._tcp.big.default.svc.cluster.local', RRType.SRV);
    expect(srv.answer).toHaveLength(299);
    expect(srv.additional).toHaveLength(299);
    expect(srv.answer.some((a) => a.endsWith(' big-7.big.default.svc.cluster.local.'))).toBe(false);
    expect(q(s1, 'big.default.svc.cluster.local').answer).toHaveLength(300);
  });

  it('rebuilds every SRV when the weight changes', () => {
    const m = build(3);
    expect(q(m.snapshot(), 'big.default.svc.cluster.local', RRType.SRV).answer.map((a) => a.split(' ')[5])).toEqual(['33', '33', '33']);
    m.remove(pod('default', 'big-0'));
    const s = m.snapshot();
    expect(q(s, 'big.default.svc.cluster.local', RRType.SRV).answer.map((a) => a.split(' ')[5])).toEqual(['50', '50']);
    expect(q(s, '_http._tcp.big.default.svc.cluster.local', RRType.SRV).answer.map((a) => a.split(' ')[5])).toEqual(['50', '50']);
    expect(q(s, 'big-1.big.default.svc.cluster.local', RRType.SRV).answer.map((a) => a.split(' ')[5])).toEqual(['100']);
  });
});

it('a reverse empty non-terminal disappears with its last address', () => {
  const m = cluster();
  const s1 = m.snapshot();
  expect(rcode(s1, '2.244.10.in-addr.arpa', RRType.PTR)).toBe(Rcode.NOERROR);
  m.remove(pod('default', 'web-a'));
  expect(rcode(m.snapshot(), '2.244.10.in-addr.arpa', RRType.PTR)).toBe(Rcode.NOERROR);
  m.remove(pod('default', 'web-b'));
  const s3 = m.snapshot();
  expect(rcode(s3, '2.244.10.in-addr.arpa', RRType.PTR)).toBe(Rcode.NXDOMAIN);
  expect(rcode(s3, '244.10.in-addr.arpa', RRType.PTR)).toBe(Rcode.NOERROR); // 10.244.1.x remain
  expect(rcode(s1, '2.244.10.in-addr.arpa', RRType.PTR)).toBe(Rcode.NOERROR);
});

describe('zone configuration checks', () => {
  it('normalises zone names', () => {
    const m = new ClusterModel(config({ zones: ['Cluster.Local.', 'cluster.local'] }), { now: () => NOW });
    m.markSynced();
    const s = m.snapshot();
    expect(s.forward.map((a) => a.name)).toEqual(['cluster.local']);
    expect(rcode(s, 'svc.cluster.local')).toBe(Rcode.NOERROR);
  });
  it.each([
    { name: 'bad nsAddress', cfg: { nsAddresses: ['ns1'] }, err: /nsAddresses: not an IP address: "ns1"/ },
    { name: 'negative ttl', cfg: { ttl: -1 }, err: /ttl: want an integer/ },
    { name: 'bad reverse zone', cfg: { reverseZones: ['example.org'] }, err: /reverseZones: example.org is not under/ },
    { name: 'bad zone', cfg: { zones: ['a..b'] }, err: /zones: invalid zone name "a..b"/ },
    { name: 'bad endpoint source', cfg: { endpointsFrom: 'endpoints' as 'pods' }, err: /endpointsFrom: want pods or endpointslices/ },
  ])('rejects $name', ({ cfg, err }) => {
    expect(() => new ClusterModel(config(cfg))).toThrow(err);
  });
});
