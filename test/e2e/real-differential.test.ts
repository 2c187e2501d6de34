/**
 * Differential test on a real control plane: CoreDNS 1.14 (kubernetes plugin, ttl 5,
 * EndpointSlices, `pods insecure` as kubeadm's Corefile) and `ordinal serve --endpoints-from
 * endpointslices --pods insecure` watch the same cluster and answer the same table of queries;
 * then a second pair, both in `pods verified` mode, answers the pod-record rows. RCODE, aa and the answer/authority RRsets (as sets, TTLs and
 * SOA serials normalised) must be equal, except where ordinal deliberately differs (README
 * "Where ordinal deliberately differs from CoreDNS", src/zone/lookup.ts header): each such case
 * is named in `expectedDifferences` with its reason, and ordinal's documented answer is asserted.
 * Then the cluster changes (pod deleted, readiness flipped, service deleted) and, once both
 * servers have converged, the table is compared again.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoreDNS, type CoreDNS } from './harness/coredns.ts';
import { setPodStatus } from './harness/kubelet.ts';
import { startControlPlane, type ControlPlane } from './harness/plane.ts';
import { waitFor } from './harness/util.ts';
import { createPod, createState, NS_A, NS_B } from './real/cluster-state.ts';
import { ask, key, pool, type Answer, type Query } from './real/compare.ts';
import { startOrdinalServe, type OrdinalServe } from './real/ordinal.ts';

const Z = 'cluster.local';
const A = `${NS_A}.svc.${Z}`;
const B = `${NS_B}.svc.${Z}`;

const NAMES = [
  Z, `svc.${Z}`, `${A}`, `${B}`, `nope.svc.${Z}`, `dns-version.${Z}`, `nothing.${Z}`,
  `kubia.${A}`, `kubia-0.kubia.${A}`, `kubia-1.kubia.${A}`, `kubia-2.kubia.${A}`, `kubia-9.kubia.${A}`,
  `_http._tcp.kubia.${A}`, `_http._udp.kubia.${A}`, `_nope._tcp.kubia.${A}`, `_tcp.kubia.${A}`,
  `web.${A}`, `_http._tcp.web.${A}`, `_dns._udp.web.${A}`, `_dns._tcp.web.${A}`, `single.${A}`,
  `ext.${A}`, `ext-in.${A}`, `missing.${A}`, `web-x.web.${A}`,
  `db.${B}`, `10-244-0-30.db.${B}`, `10-244-0-31.db.${B}`, `_pg._tcp.db.${B}`, `empty.${B}`, `_x._tcp.empty.${B}`,
  `KUBIA-0.Kubia.${NS_A.toUpperCase()}.svc.Cluster.Local`, `_HTTP._TCP.kubia.${A}`, `Web.${A}`,
  'example.com', `${Z}.example`,
];
const TYPES = ['A', 'AAAA', 'SRV', 'TXT', 'SOA', 'NS'];
const P = `pod.${Z}`;
// Pod records (dns.md B.1): live pods' IPs, an IP no pod has, the IPv6 form, and the names around them.
const POD_NAMES = [
  P, `${NS_A}.${P}`, `nope.${P}`, `10-244-0-10.${NS_A}.${P}`, `10-244-0-12.${NS_A}.${P}`, `10-244-0-30.${NS_B}.${P}`,
  `10-244-0-30.${NS_A}.${P}`, `1-2-3-4.${NS_A}.${P}`, `fd00--10.${NS_A}.${P}`, `not-an-ip.${NS_A}.${P}`,
  // Pods that are terminating and that have finished, in the verified comparison.
  `10-244-0-40.${NS_B}.${P}`, `10-244-0-41.${NS_B}.${P}`,
  `10-244-0-10.nope.${P}`, `x.10-244-0-10.${NS_A}.${P}`, `10-244-0-10.${NS_A.toUpperCase()}.Pod.${Z}`,
];
const POD_QUERIES: Query[] = POD_NAMES.flatMap((name) => TYPES.map((type) => ({ name, type })));
const PTRS = ['10.244.0.10', '10.244.0.11', '10.244.0.12', '10.244.0.13', '10.244.0.20', '10.244.0.30', '10.0.0.50', '10.0.0.51', '10.9.9.9']
  .map((ip) => `${ip.split('.').reverse().join('.')}.in-addr.arpa`);

const QUERIES: Query[] = [
  ...NAMES.flatMap((name) => TYPES.map((type) => ({ name, type }))),
  ...POD_QUERIES,
  ...PTRS.flatMap((name) => ['PTR', 'A'].map((type) => ({ name, type }))),
];

type Expected = {
  id: string;
  why: string;
  applies(q: Query, coredns: Answer): boolean;
  /** Asserts ordinal's documented answer. */
  check(q: Query, ordinal: Answer, coredns: Answer): void;
};

const lower = (q: Query): string => q.name.toLowerCase();
const ENTS = new Set([Z, `svc.${Z}`, A, B, `_tcp.kubia.${A}`, P, `${NS_A}.${P}`]);
// Not Ready yet, with hostname and subdomain: ordinal's expected-name rule (README "No bootstrap stall").
const EXPECTED_NAMES = new Set([`kubia-2.kubia.${A}`]);
const NODATA = { status: 'NOERROR', aa: true, answers: [] };
const soa = (zone: string): string => `${zone}. TTL SOA ns.dns.${Z}. hostmaster.${Z}. SERIAL 7200 1800 86400 5`;
const EXTERNAL = new Map([[`ext.${A}`, 'example.com.'], [`ext-in.${A}`, `web.${A}.`]]);

const expectedDifferences: Expected[] = [
  {
    id: 'externalname-cname', why: 'an ExternalName is a CNAME for every type (RFC 1034 §3.6.2); CoreDNS answers NODATA for types other than A/AAAA/CNAME; Q4: an in-zone target without the type gives CNAME + NODATA',
    applies: (q) => EXTERNAL.has(lower(q)),
    check: (q, o) => {
      expect(o.status).toBe('NOERROR');
      expect(o.answers).toContain(`${q.name}. TTL CNAME ${EXTERNAL.get(lower(q))}`);
    },
  },
  {
    id: 'rdata-case', why: 'names inside RDATA (SOA MNAME/RNAME, SRV targets) are written in canonical lower case; CoreDNS copies the query\'s case of the zone. Equal under RFC 4343 §3',
    applies: (q) => q.name !== q.name.toLowerCase(),
    check: (_q, o, c) => expect(JSON.stringify(o).toLowerCase()).toBe(JSON.stringify(c).toLowerCase()),
  },
  {
    id: 'expected-name', why: 'a pod that is not Ready yet will carry this name: NXDOMAIN with an SOA whose TTL and MINIMUM are --expected-negative-ttl (0), so resolvers ask again at once (RFC 2308 §5); CoreDNS has no such rule',
    applies: (q) => EXPECTED_NAMES.has(lower(q)),
    check: (_q, o) => expect(o).toMatchObject({ status: 'NXDOMAIN', aa: true, answers: [], authority: [soa(Z).replace(/ 5$/, ' 0')] }),
  },
  {
    id: 'below-pod-name', why: 'nothing exists below a pod name (RFC 1034 §3.1): NXDOMAIN; CoreDNS ignores the labels left of the IP label and answers as for the pod name',
    applies: (q) => /^x\.[^.]+\.[^.]+\.pod\./.test(lower(q)),
    check: (_q, o) => expect(o).toMatchObject({ status: 'NXDOMAIN', aa: true, answers: [], authority: [soa(Z)] }),
  },
  {
    id: 'pod-SRV', why: 'a pod name holds only its A or AAAA: SRV is NODATA; CoreDNS makes up an SRV with port 0 whose target is the name itself',
    applies: (q, c) => q.type === 'SRV' && /\.pod\.cluster\.local$/.test(lower(q)) && c.answers.some((a) => / SRV 0 100 0 /.test(a)),
    check: (_q, o) => expect(o).toMatchObject({ ...NODATA, authority: [soa(Z)] }),
  },
  {
    id: 'Q1', why: 'dns-version.<zone> exists (it has a TXT), so other types are NODATA, not NXDOMAIN (RFC 2308 §2.2)',
    applies: (q) => lower(q) === `dns-version.${Z}` && q.type !== 'TXT',
    check: (_q, o) => expect(o).toMatchObject({ ...NODATA, authority: [soa(Z)] }),
  },
  {
    id: 'Q2', why: 'empty non-terminals (zone apex, svc, <ns>.svc, _tcp.<svc>) exist: NODATA, not NXDOMAIN (RFC 8020)',
    applies: (q, c) => ENTS.has(lower(q)) && c.status === 'NXDOMAIN',
    check: (_q, o) => expect(o).toMatchObject({ ...NODATA, authority: [soa(Z)] }),
  },
  {
    id: 'Q3', why: 'SOA at a name that does not exist is NXDOMAIN, not NODATA (RFC 1034 §4.3.2)',
    applies: (q, c) => q.type === 'SOA' && c.status === 'NOERROR' && c.answers.length === 0,
    check: (_q, o) => expect(o).toMatchObject({ status: 'NXDOMAIN', aa: true, answers: [], authority: [soa(Z)] }),
  },
  {
    id: 'apex-NS', why: 'the apex NS is always ns.dns.<zone>. (CoreDNS gives none when bound to loopback)',
    applies: (q) => lower(q) === Z && q.type === 'NS',
    check: (_q, o) => expect(o).toMatchObject({ status: 'NOERROR', answers: [`${Z}. TTL NS ns.dns.${Z}.`] }),
  },
  {
    id: 'srv-name-A', why: 'A/AAAA at _<port>._<proto>.<svc> is NODATA: the name holds SRV records only (CoreDNS returns the endpoints)',
    applies: (q, c) => q.name.startsWith('_') && (q.type === 'A' || q.type === 'AAAA') && c.answers.length > 0,
    check: (_q, o) => expect(o).toMatchObject({ ...NODATA, authority: [soa(Z)] }),
  },
  {
    id: 'outside-zone', why: 'names outside every served zone are REFUSED (this Corefile has no upstream, so CoreDNS says SERVFAIL)',
    applies: (q, c) => !lower(q).endsWith(Z) && !lower(q).endsWith('.arpa') && c.status === 'SERVFAIL',
    check: (_q, o) => expect(o).toMatchObject({ status: 'REFUSED', aa: false, answers: [], authority: [] }),
  },
  {
    id: 'reverse-negative', why: 'ordinal is authoritative for in-addr.arpa: NXDOMAIN for an IP with no PTR, NODATA for other types at a PTR name (Q7); CoreDNS falls through to the next plugin, which this Corefile lacks (SERVFAIL)',
    applies: (q, c) => lower(q).endsWith('.in-addr.arpa') && c.status === 'SERVFAIL',
    check: (q, o) => {
      expect(o).toMatchObject({ aa: true, answers: [], authority: [soa('in-addr.arpa')] });
      expect(o.status).toMatch(q.type === 'PTR' ? /^NXDOMAIN$/ : /^(NOERROR|NXDOMAIN)$/);
    },
  },
];

let plane: ControlPlane | undefined;
let coredns: CoreDNS | undefined;
let ordinal: OrdinalServe | undefined;
let corednsVerified: CoreDNS | undefined;
let ordinalVerified: OrdinalServe | undefined;

beforeAll(async () => {
  plane = await startControlPlane();
  await createState(plane.kubeConfig().makeApiClient(CoreV1Api));
  const reverse = ['--reverse-zone', 'in-addr.arpa', '--reverse-zone', 'ip6.arpa'];
  [coredns, ordinal, corednsVerified, ordinalVerified] = await Promise.all([
    startCoreDNS({ kubeconfigPath: plane.kubeconfigPath, ttl: 5, pods: 'insecure' }),
    startOrdinalServe(plane.kubeconfigPath, ['--ttl', '5', '--pods', 'insecure', ...reverse]),
    startCoreDNS({ kubeconfigPath: plane.kubeconfigPath, ttl: 5, pods: 'verified' }),
    startOrdinalServe(plane.kubeconfigPath, ['--ttl', '5', '--pods', 'verified', ...reverse]),
  ]);
});

afterAll(async () => {
  await ordinal?.stop();
  await coredns?.stop();
  await ordinalVerified?.stop();
  await corednsVerified?.stop();
  await plane?.stop();
});

type Outcome = { unexplained: string[]; used: Map<string, number>; same: number };

async function compareAll(queries: readonly Query[] = QUERIES, c = coredns!, o = ordinal!): Promise<Outcome> {
  const rows = await pool(queries, 4, async (q) => ({ q, c: await ask(c.port, q), o: await ask(o.port, q) }));
  const out: Outcome = { unexplained: [], used: new Map(), same: 0 };
  for (const { q, c, o } of rows) {
    if (JSON.stringify(c) === JSON.stringify(o)) {
      out.same++;
      continue;
    }
    // The first documented difference that applies and whose answer ordinal gives explains it.
    const failures: string[] = [];
    const exp = expectedDifferences.filter((e) => e.applies(q, c)).find((e) => {
      try {
        e.check(q, o, c);
        return true;
      } catch (err) {
        failures.push(`${e.id} (${e.why}): ${(err as Error).message}`);
        return false;
      }
    });
    if (!exp) {
      out.unexplained.push(`${key(q)}\n  coredns ${JSON.stringify(c)}\n  ordinal ${JSON.stringify(o)}${failures.map((f) => `\n  ${f}`).join('')}`);
      continue;
    }
    out.used.set(exp.id, (out.used.get(exp.id) ?? 0) + 1);
  }
  return out;
}

/**
 * Both servers follow the cluster by watch, CoreDNS through what kube-controller-manager derives
 * (EndpointSlices, and their garbage collection after a Service is deleted: until then CoreDNS
 * still answers the PTR of the deleted Service's endpoint). Right after a start or a change one
 * may not have caught up yet; a difference that lasts 10 s is a real one.
 */
async function compareSettled(): Promise<Outcome> {
  const first = await compareAll();
  let o = first;
  const start = Date.now();
  while (o.unexplained.length > 0 && Date.now() < start + 10_000) {
    await new Promise((r) => setTimeout(r, 1000));
    o = await compareAll();
  }
  if (o !== first) console.log(`settled after ${Date.now() - start} ms; at first:\n${first.unexplained.join('\n')}`);
  return o;
}

const summary = (o: Outcome): string =>
  `${o.same} identical, ${[...o.used].map(([id, n]) => `${id}×${n}`).join(' ')}`;

describe('ordinal and CoreDNS on the same real cluster', () => {
  it(`answer ${QUERIES.length} queries alike, apart from the documented differences`, async () => {
    expect(QUERIES.length).toBeGreaterThanOrEqual(200);
    const o = await compareSettled();
    console.log(`before the change: ${summary(o)}`);
    expect(o.unexplained, o.unexplained.join('\n')).toEqual([]);
    // Every documented difference is actually exercised by the table.
    expect([...o.used.keys()].sort()).toEqual(expectedDifferences.map((e) => e.id).sort());
    expect(o.same).toBeGreaterThanOrEqual(100);
  });

  it(`answer the ${POD_QUERIES.length} pod-record queries alike with pods verified`, async () => {
    // A terminating pod (no kubelet confirms the deletion here, so it stays so) still counts; a
    // finished one does not (CoreDNS lists pods without Succeeded/Failed ones).
    const core = plane!.kubeConfig().makeApiClient(CoreV1Api);
    const terminating = { name: `10-244-0-40.${NS_B}.${P}`, type: 'A' };
    const finished = { name: `10-244-0-41.${NS_B}.${P}`, type: 'A' };
    await createPod(core, { ns: NS_B, name: 'gone-0', app: 'gone', ip: '10.244.0.40', ready: true });
    await createPod(core, { ns: NS_B, name: 'done-0', app: 'gone', ip: '10.244.0.41', ready: false });
    for (const s of [corednsVerified!, ordinalVerified!]) {
      await waitFor(async () => (await ask(s.port, terminating)).status === 'NOERROR' && (await ask(s.port, finished)).status === 'NOERROR',
        30_000, { what: 'the new pods verified' });
    }
    await core.deleteNamespacedPod({ name: 'gone-0', namespace: NS_B, body: { gracePeriodSeconds: 300 } });
    const done = await core.readNamespacedPod({ name: 'done-0', namespace: NS_B });
    await core.replaceNamespacedPodStatus({ name: 'done-0', namespace: NS_B, body: { ...done, status: { ...done.status, phase: 'Succeeded' } } });
    for (const s of [corednsVerified!, ordinalVerified!]) {
      await waitFor(async () => (await ask(s.port, finished)).status === 'NXDOMAIN', 30_000, { what: 'the finished pod no longer verified' });
    }
    // The deletion was written before the phase: both servers have seen it by now.
    expect((await ask(ordinalVerified!.port, terminating)).status).toBe('NOERROR');
    const o = await compareAll(POD_QUERIES, corednsVerified!, ordinalVerified!);
    console.log(`pods verified: ${summary(o)}`);
    expect(o.unexplained, o.unexplained.join('\n')).toEqual([]);
    // Verified answers only for IPs of pods in that namespace.
    expect((await ask(ordinalVerified!.port, { name: `10-244-0-12.${NS_A}.${P}`, type: 'A' })).answers).toEqual([`10-244-0-12.${NS_A}.${P}. TTL A 10.244.0.12`]);
    expect((await ask(ordinalVerified!.port, { name: `1-2-3-4.${NS_A}.${P}`, type: 'A' })).status).toBe('NXDOMAIN');
    expect(o.same).toBeGreaterThanOrEqual(40);
  });

  it('still agree after pods are deleted, added and flip readiness, and a service is deleted', async () => {
    const core = plane!.kubeConfig().makeApiClient(CoreV1Api);
    await core.deleteNamespacedPod({ name: 'kubia-1', namespace: NS_A, body: { gracePeriodSeconds: 0 } });
    await setPodStatus(core, NS_A, 'kubia-2', '10.244.0.12', true);
    await createPod(core, { ns: NS_A, name: 'kubia-3', app: 'kubia', ip: '10.244.0.13', ready: true, subdomain: 'kubia' });
    await setPodStatus(core, NS_B, 'db-a', '10.244.0.30', false);
    await core.deleteNamespacedService({ name: 'single', namespace: NS_A });

    const wantSrv = ['kubia-0', 'kubia-2', 'kubia-3'].map((h) => `kubia.${A}. TTL SRV 0 33 8080 ${h}.kubia.${A}.`).sort();
    for (const port of [coredns!.port, ordinal!.port]) {
      await waitFor(async () => {
        const [srv, single, db] = await Promise.all([
          ask(port, { name: `kubia.${A}`, type: 'SRV' }),
          ask(port, { name: `single.${A}`, type: 'A' }),
          ask(port, { name: `db.${B}`, type: 'A' }),
        ]);
        const ok = JSON.stringify(srv.answers) === JSON.stringify(wantSrv) && single.status === 'NXDOMAIN' &&
          JSON.stringify(db.answers) === JSON.stringify([`db.${B}. TTL A 10.244.0.31`]);
        if (!ok) throw new Error(`not yet: ${JSON.stringify([srv.answers, single.status, db.answers])}`);
        return ok;
      }, 30_000, { what: `${port === ordinal!.port ? 'ordinal' : 'CoreDNS'} to follow the change` });
    }
    const o = await compareSettled();
    console.log(`after the change: ${summary(o)}`);
    expect(o.unexplained, o.unexplained.join('\n')).toEqual([]);
    expect(o.same).toBeGreaterThanOrEqual(100);
  });
});
