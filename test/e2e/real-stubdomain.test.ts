/**
 * ordinal behind a cluster DNS: CoreDNS is configured as a cluster's DNS would be (kubernetes
 * plugin for cluster.local) plus a stub domain, a server block that `forward`s `ordinal.local`
 * to `ordinal serve --zone ordinal.local` (deploy/README.md). A client asking CoreDNS resolves
 * StatefulSet pods and their SRV peers through it, over UDP and over TCP (forward keeps the
 * client's transport), and sees readiness changes once ordinal does.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoreDNS, type CoreDNS } from './harness/coredns.ts';
import { ensureNode, setPodStatus } from './harness/kubelet.ts';
import { startControlPlane, type ControlPlane } from './harness/plane.ts';
import { waitFor } from './harness/util.ts';
import { createPod } from './real/cluster-state.ts';
import { ask } from './real/compare.ts';
import { startOrdinalServe, type OrdinalServe } from './real/ordinal.ts';

const NS = 'stub';
const ZONE = 'ordinal.local';
const SVC = `kubia.${NS}.svc.${ZONE}`;
const PODS = [
  { name: 'kubia-0', ip: '10.244.1.10', ready: true },
  { name: 'kubia-1', ip: '10.244.1.11', ready: true },
  { name: 'kubia-2', ip: '10.244.1.12', ready: false },
];

let plane: ControlPlane | undefined;
let coredns: CoreDNS | undefined;
let ordinal: OrdinalServe | undefined;

beforeAll(async () => {
  plane = await startControlPlane();
  const core = plane.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await ensureNode(core);
  await core.createNamespacedService({
    namespace: NS,
    body: { metadata: { name: 'kubia' }, spec: { clusterIP: 'None', selector: { app: 'kubia' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
  });
  for (const p of PODS) await createPod(core, { ns: NS, app: 'kubia', subdomain: 'kubia', ...p });
  ordinal = await startOrdinalServe(plane.kubeconfigPath, ['--zone', ZONE]);
  coredns = await startCoreDNS({ kubeconfigPath: plane.kubeconfigPath, ttl: 5, stubDomains: { [ZONE]: [`127.0.0.1:${ordinal.port}`] } });
});

afterAll(async () => {
  await coredns?.stop();
  await ordinal?.stop();
  await plane?.stop();
});

const srv = (hosts: string[]): string[] =>
  hosts.map((h) => `${SVC}. TTL SRV 0 ${Math.floor(100 / hosts.length)} 8080 ${h}.${SVC}.`).sort();

describe.each([['UDP', false], ['TCP', true]] as const)('CoreDNS forwarding %s queries for the stub zone to ordinal', (_t, tcp) => {
  it.each(PODS.filter((p) => p.ready))('resolves $name to its IP', async ({ name, ip }) => {
    const a = await ask(coredns!.port, { name: `${name}.${SVC}`, type: 'A' }, tcp);
    expect(a).toMatchObject({ status: 'NOERROR', answers: [`${name}.${SVC}. TTL A ${ip}`] });
  });

  it('lists the ready peers in the SRV of the headless service and its named port', async () => {
    const bare = await ask(coredns!.port, { name: SVC, type: 'SRV' }, tcp);
    expect(bare).toMatchObject({ status: 'NOERROR', answers: srv(['kubia-0', 'kubia-1']) });
    const named = await ask(coredns!.port, { name: `_http._tcp.${SVC}`, type: 'SRV' }, tcp);
    expect(named.status).toBe('NOERROR');
    expect(named.answers.map((rr) => rr.split(' ').slice(2).join(' ')).sort()).toEqual(srv(['kubia-0', 'kubia-1']).map((rr) => rr.split(' ').slice(2).join(' ')));
  });

  // kubia-2 will carry its name once Ready: ordinal's expected-name SOA (MINIMUM 0) comes through.
  it('passes on NXDOMAIN with ordinal\'s SOA for a pod that is not ready', async () => {
    const a = await ask(coredns!.port, { name: `kubia-2.${SVC}`, type: 'A' }, tcp);
    expect(a).toMatchObject({ status: 'NXDOMAIN', answers: [], authority: [`${ZONE}. TTL SOA ns.dns.${ZONE}. hostmaster.${ZONE}. SERIAL 7200 1800 86400 0`] });
    const other = await ask(coredns!.port, { name: `kubia-9.${SVC}`, type: 'A' }, tcp);
    expect(other).toMatchObject({ status: 'NXDOMAIN', answers: [], authority: [`${ZONE}. TTL SOA ns.dns.${ZONE}. hostmaster.${ZONE}. SERIAL 7200 1800 86400 5`] });
  });

  it('still answers cluster.local from its own kubernetes plugin', async () => {
    const a = await ask(coredns!.port, { name: 'kubia-0.kubia.stub.svc.cluster.local', type: 'A' }, tcp);
    expect(a).toMatchObject({ status: 'NOERROR', answers: ['kubia-0.kubia.stub.svc.cluster.local. TTL A 10.244.1.10'] });
  });
});

describe('readiness through the stub domain', () => {
  it('a pod turning Ready appears in answers relayed by CoreDNS', async () => {
    const core = plane!.kubeConfig().makeApiClient(CoreV1Api);
    await setPodStatus(core, NS, 'kubia-2', '10.244.1.12', true);
    await waitFor(async () => {
      const r = await ask(coredns!.port, { name: SVC, type: 'SRV' });
      return JSON.stringify(r.answers) === JSON.stringify(srv(['kubia-0', 'kubia-1', 'kubia-2']));
    }, 20_000, { what: 'kubia-2 in the SRV answer relayed by CoreDNS' });
    const a = await ask(coredns!.port, { name: `kubia-2.${SVC}`, type: 'A' }, true);
    expect(a.answers).toEqual([`kubia-2.${SVC}. TTL A 10.244.1.12`]);
  });
});
