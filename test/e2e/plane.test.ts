/**
 * Smoke test of the e2e harness: a real control plane (etcd, kube-apiserver, and
 * kube-controller-manager with only the EndpointSlice/GC/namespace controllers) plus CoreDNS.
 * A headless Service and two Pods play the book's kubia StatefulSet (Kubernetes in Action ch.10)
 * by hand: the test binds the pods to a Node and writes their status as a kubelet would, then
 * checks what the real EndpointSlice controller and CoreDNS make of it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CoreV1Api, DiscoveryV1Api, type V1EndpointSlice } from '@kubernetes/client-node';
import dns2 from 'dns2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corefile, startCoreDNS, type CoreDNS } from './harness/coredns.ts';
import { dig } from './harness/dig.ts';
import { ensureNode, setPodStatus, TEST_NODE } from './harness/kubelet.ts';
import { startControlPlane, type ControlPlane } from './harness/plane.ts';
import { waitFor } from './harness/util.ts';

const NS = 'kubia-e2e';
const SVC = 'kubia';
const K8S_VERSION = 'v1.36.3';

// kubia-0 is Running and Ready, kubia-1 has an IP but is not Ready (its readiness probe fails).
const PODS = [
  { name: 'kubia-0', ip: '10.244.0.5', ready: true },
  { name: 'kubia-1', ip: '10.244.0.6', ready: false },
] as const;

let plane: ControlPlane | undefined;
let dns: CoreDNS | undefined;
const daemonDirs: string[] = [];

function p(): ControlPlane {
  if (!plane) throw new Error('control plane did not start');
  return plane;
}

async function setUpKubia(): Promise<void> {
  const kc = p().kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await ensureNode(core);
  await core.createNamespacedService({
    namespace: NS,
    body: {
      metadata: { name: SVC },
      spec: { clusterIP: 'None', selector: { app: 'kubia' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
  });
  for (const pod of PODS) {
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: pod.name, labels: { app: 'kubia' } },
        // hostname + subdomain are what the StatefulSet controller sets; the slice carries the
        // hostname only when subdomain names the Service.
        spec: {
          hostname: pod.name,
          subdomain: SVC,
          nodeName: TEST_NODE,
          containers: [{ name: 'kubia', image: 'luksa/kubia-pet', ports: [{ containerPort: 8080 }] }],
        },
      },
    });
    await setPodStatus(core, NS, pod.name, pod.ip, pod.ready);
  }
}

beforeAll(async () => {
  plane = await startControlPlane();
  daemonDirs.push(plane.dir);
  await setUpKubia();
});

afterAll(async () => {
  await dns?.stop();
  await plane?.stop();
});

describe('control plane', () => {
  it('serves the pinned Kubernetes version to the pinned kubectl', async () => {
    const res = await p().kubectl(['version', '-o', 'json']);
    expect(res.stderr).toBe('');
    const v = JSON.parse(res.stdout) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string } };
    expect(v.clientVersion.gitVersion).toBe(K8S_VERSION);
    expect(v.serverVersion.gitVersion).toBe(K8S_VERSION);
  });

  it('kubectl get ns lists the built-in and the test namespaces', async () => {
    const res = await p().kubectl(['get', 'ns', '-o', 'jsonpath={.items[*].metadata.name}']);
    expect(res.code).toBe(0);
    expect(res.stdout.split(' ').sort()).toEqual(expect.arrayContaining(['default', 'kube-system', NS]));
  });

  it('kube-controller-manager writes the EndpointSlice of the headless Service', async () => {
    const discovery = p().kubeConfig().makeApiClient(DiscoveryV1Api);
    const slice = await waitFor(
      async () => {
        const list = await discovery.listNamespacedEndpointSlice({ namespace: NS, labelSelector: `kubernetes.io/service-name=${SVC}` });
        const s: V1EndpointSlice | undefined = list.items[0];
        return s && (s.endpoints ?? []).length === PODS.length ? s : undefined;
      },
      30_000,
      { what: 'an EndpointSlice with both pods' },
    );
    expect(slice.addressType).toBe('IPv4');
    expect(slice.metadata?.labels).toMatchObject({
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      'service.kubernetes.io/headless': '',
    });
    expect(slice.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Service', name: SVC, controller: true });
    const got = (slice.endpoints ?? [])
      .map((e) => ({ hostname: e.hostname, addresses: e.addresses, ready: e.conditions?.ready, serving: e.conditions?.serving, node: e.nodeName }))
      .sort((a, b) => String(a.hostname).localeCompare(String(b.hostname)));
    expect(got).toEqual(PODS.map((pod) => ({ hostname: pod.name, addresses: [pod.ip], ready: pod.ready, serving: pod.ready, node: TEST_NODE })));
  });
});

// A stub-domain upstream, independent of CoreDNS and of ordinal: answers A 192.0.2.99 for anything.
const upstream = dns2.createUDPServer((request, send) => {
  const response = dns2.Packet.createResponseFromRequest(request);
  for (const q of request.questions) {
    response.answers.push(new dns2.Packet.Resource({ name: q.name, type: dns2.Packet.TYPE.A, class: dns2.Packet.CLASS.IN, ttl: 42, address: '192.0.2.99' }));
  }
  void send(response);
});

describe('CoreDNS against the control plane', () => {
  beforeAll(async () => {
    await upstream.listen(0, '127.0.0.1');
    const { port } = upstream.address() as { port: number };
    dns = await startCoreDNS({ kubeconfigPath: p().kubeconfigPath, ttl: 7, stubDomains: { 'corp.example': [`127.0.0.1:${port}`] } });
    daemonDirs.push(dns.corefilePath);
  });
  afterAll(() => upstream.close());

  const zone = `${SVC}.${NS}.svc.cluster.local.`;
  // Only endpoints with ready=true are published (kubernetes plugin, endpointsliceReady).
  it.each([
    { name: zone, status: 'NOERROR', answers: [`${zone} 7 A 10.244.0.5`] },
    { name: `kubia-0.${zone}`, status: 'NOERROR', answers: [`kubia-0.${zone} 7 A 10.244.0.5`] },
    { name: `kubia-1.${zone}`, status: 'NXDOMAIN', answers: [] },
    { name: `nope.${NS}.svc.cluster.local.`, status: 'NXDOMAIN', answers: [] },
    { name: 'db.corp.example.', status: 'NOERROR', answers: ['db.corp.example. 42 A 192.0.2.99'] },
  ])('dig $name → $status $answers', async ({ name, status, answers }) => {
    const port = dns!.port;
    // CoreDNS' informer may lag the slice by a moment.
    const got = await waitFor(async () => {
      const r = await dig(port, name);
      return r.status === status && JSON.stringify(r.answers) === JSON.stringify(answers) && r;
    }, 15_000, { what: `${name} to answer ${status} ${answers.join(',')}` }).catch(async () => dig(port, name));
    expect({ status: got.status, answers: got.answers }).toEqual({ status, answers });
  });
});

describe('harness input checks', () => {
  it.each([
    { ttl: -1, zone: 'cluster.local', error: /ttl must be/ },
    { ttl: 3601, zone: 'cluster.local', error: /ttl must be/ },
    { ttl: 5, zone: 'bad zone', error: /invalid zone/ },
  ])('corefile rejects ttl=$ttl zone=$zone', ({ ttl, zone, error }) => {
    expect(() => corefile({ port: 1053, readyPort: 8181, kubeconfigPath: '/k', zone, ttl })).toThrow(error);
  });

  it.each<{ stubs: Record<string, string[]>; error: RegExp }>([
    { stubs: { 'corp.example': [] }, error: /upstreams must be/ },
    { stubs: { 'corp.example': ['8.8.8.8 ; evil'] }, error: /upstreams must be/ },
    { stubs: { 'bad zone': ['127.0.0.1:53'] }, error: /invalid zone/ },
  ])('corefile rejects stub domains $stubs', ({ stubs, error }) => {
    expect(() => corefile({ port: 1053, readyPort: 8181, kubeconfigPath: '/k', zone: 'cluster.local', ttl: 5, stubDomains: stubs })).toThrow(error);
  });
});

describe('stop', () => {
  it('leaves no process and no scratch directory behind', async () => {
    await dns?.stop();
    await p().stop();
    const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
    const leftovers = ps.split('\n').filter((l) => daemonDirs.some((d) => l.includes(d.replace(/\/Corefile$/, ''))));
    expect(leftovers).toEqual([]);
    expect(daemonDirs.filter((d) => existsSync(d))).toEqual([]);
  });
});
