import { describe, expect, it } from 'vitest';
import { lookup } from '../../src/zone/lookup.ts';
import { answerScope, sameScope } from '../../src/zone/scope.ts';
import type { ClusterModel } from '../../src/zone/model.ts';
import type { Snapshot } from '../../src/zone/snapshot.ts';
import { RRType } from '../../src/zone/types.ts';
import { cluster } from './cluster.ts';
import { pod } from './fixtures.ts';

/** The model's current content under its own serial, as the watcher publishes it. */
const sealed = (m: ClusterModel): Snapshot => {
  m.snapshot();
  return m.seal();
};

describe('answerScope', () => {
  const snap = sealed(cluster({ pods: 'insecure' }));
  it('the fixture is built', () => expect(lookup(snap, 'kubia-0.kubia.default.svc.cluster.local', RRType.A, 1).answer).toHaveLength(1));
  it.each([
    { name: 'endpoint A', q: 'kubia-0.kubia.default.svc.cluster.local', t: RRType.A, scope: 'default/kubia' },
    { name: 'headless service A', q: 'kubia.default.svc.cluster.local', t: RRType.A, scope: 'default/kubia' },
    { name: 'service SRV', q: 'web.default.svc.cluster.local', t: RRType.SRV, scope: 'default/web' },
    { name: 'named port SRV', q: '_http._tcp.kubia.default.svc.cluster.local', t: RRType.SRV, scope: 'default/kubia' },
    { name: 'ClusterIP AAAA', q: 'db.apps.svc.cluster.local', t: RRType.AAAA, scope: 'apps/db' },
    { name: 'ANY at a service', q: 'db.apps.svc.cluster.local', t: RRType.ANY, scope: 'apps/db' },
    // Depends on the target's service too.
    { name: 'ExternalName in zone', q: 'ext.default.svc.cluster.local', t: RRType.A, scope: null },
    { name: 'ExternalName out of zone', q: 'ext2.default.svc.cluster.local', t: RRType.CNAME, scope: null },
    // Negative answers carry the SOA, whose serial moves with every change.
    { name: 'NODATA', q: 'web.default.svc.cluster.local', t: RRType.TXT, scope: null },
    { name: 'NXDOMAIN', q: 'kubia-9.kubia.default.svc.cluster.local', t: RRType.A, scope: null },
    { name: 'empty non-terminal', q: '_tcp.kubia.default.svc.cluster.local', t: RRType.A, scope: null },
    { name: 'namespace', q: 'default.svc.cluster.local', t: RRType.A, scope: null },
    { name: 'apex SOA', q: 'cluster.local', t: RRType.SOA, scope: null },
    { name: 'apex NS', q: 'cluster.local', t: RRType.NS, scope: null },
    { name: 'dns-version', q: 'dns-version.cluster.local', t: RRType.TXT, scope: null },
    { name: 'pod name', q: '10-244-1-10.default.pod.cluster.local', t: RRType.A, scope: null },
    { name: 'PTR', q: '10.1.244.10.in-addr.arpa', t: RRType.PTR, scope: null },
    { name: 'out of zone', q: 'example.com', t: RRType.A, scope: null },
  ])('$name → $scope', ({ q, t, scope }) => {
    const res = lookup(snap, q, t, 1);
    expect(answerScope(snap, q, res)).toBe(scope);
  });

  it('a name in a longer zone nested in another is scoped by neither', () => {
    const s = sealed(cluster({ zones: ['cluster.local', 'svc.cluster.local'] }));
    // The longer zone answers for the name (here NXDOMAIN); even a positive answer is not scoped.
    const positive = lookup(s, 'kubia.default.svc.svc.cluster.local', RRType.A, 1);
    expect(positive.answer.length).toBeGreaterThan(0);
    expect(answerScope(s, 'kubia.default.svc.svc.cluster.local', positive)).toBeNull();
  });
});

describe('sameScope', () => {
  it.each([
    { name: 'a pod of another service', change: (m: ClusterModel) => m.apply(pod('default', 'web-c', { labels: { app: 'web' }, ips: ['10.244.2.3'] })), kubia: true, web: false },
    { name: 'a pod of this service', change: (m: ClusterModel) => m.apply(pod('default', 'kubia-3', { labels: { app: 'kubia' }, ips: ['10.244.1.13'], hostname: 'kubia-3', subdomain: 'kubia' })), kubia: false, web: true },
    { name: 'the same pod again', change: (m: ClusterModel) => m.apply(pod('default', 'kubia-0', { labels: { app: 'kubia' }, ips: ['10.244.1.10'], hostname: 'kubia-0', subdomain: 'kubia' })), kubia: true, web: true },
    { name: 'the service deleted', change: (m: ClusterModel) => m.remove({ kind: 'Service', metadata: { namespace: 'default', name: 'kubia' } }), kubia: false, web: true },
  ])('$name', ({ change, kubia, web }) => {
    const m = cluster();
    const before = sealed(m);
    change(m);
    const after = sealed(m);
    expect(sameScope(before, after, 'default/kubia')).toBe(kubia);
    expect(sameScope(before, after, 'default/web')).toBe(web);
    expect(sameScope(before, after, 'default/nothing')).toBe(false);
  });
});
