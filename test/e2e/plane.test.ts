/**
 * Smoke test of the e2e harness: a real control plane (etcd, kube-apiserver, and
 * kube-controller-manager with only the EndpointSlice/GC/namespace controllers) plus CoreDNS.
 * A headless Service and two Pods play the book's kubia StatefulSet (Kubernetes in Action ch.10)
 * by hand: the test binds the pods to a Node and writes their status as a kubelet would, then
 * checks what the real EndpointSlice controller and CoreDNS make of it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CoreV1Api, DiscoveryV1Api, type V1EndpointSlice, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corefile, startCoreDNS, type CoreDNS } from './harness/coredns.ts';
import { startControlPlane, type ControlPlane } from './harness/plane.ts';
import { run, waitFor } from './harness/util.ts';

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

/** Write status through the status subresource, as the kubelet does. */
function kubeletStatus(pod: V1Pod, ip: string, ready: boolean): V1Pod {
  const now = new Date();
  const cond = (type: string, ok: boolean) => ({ type, status: ok ? 'True' : 'False', lastTransitionTime: now });
  return {
    ...pod,
    status: {
      phase: 'Running',
      hostIP: '192.0.2.10',
      hostIPs: [{ ip: '192.0.2.10' }],
      podIP: ip,
      // The EndpointSlice controller reads podIPs, not podIP.
      podIPs: [{ ip }],
      startTime: now,
      conditions: [cond('PodScheduled', true), cond('Initialized', true), cond('ContainersReady', ready), cond('Ready', ready)],
    },
  };
}

async function setUpKubia(): Promise<void> {
  const kc = p().kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  // The EndpointSlice controller skips pods whose Node does not exist.
  await core.createNode({ body: { metadata: { name: 'node-0', labels: { 'kubernetes.io/hostname': 'node-0' } } } });
  await core.createNamespacedService({
    namespace: NS,
    body: {
      metadata: { name: SVC },
      spec: { clusterIP: 'None', selector: { app: 'kubia' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
  });
  for (const pod of PODS) {
    const created = await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: pod.name, labels: { app: 'kubia' } },
        // hostname + subdomain are what the StatefulSet controller sets; the slice carries the
        // hostname only when subdomain names the Service.
        spec: {
          hostname: pod.name,
          subdomain: SVC,
          nodeName: 'node-0',
          containers: [{ name: 'kubia', image: 'luksa/kubia-pet', ports: [{ containerPort: 8080 }] }],
        },
      },
    });
    await core.replaceNamespacedPodStatus({ namespace: NS, name: pod.name, body: kubeletStatus(created, pod.ip, pod.ready) });
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
    expect(got).toEqual(PODS.map((pod) => ({ hostname: pod.name, addresses: [pod.ip], ready: pod.ready, serving: pod.ready, node: 'node-0' })));
  });
});

describe('CoreDNS against the control plane', () => {
  beforeAll(async () => {
    dns = await startCoreDNS({ kubeconfigPath: p().kubeconfigPath, ttl: 7 });
    daemonDirs.push(dns.corefilePath);
  });

  const dig = async (name: string, type = 'A'): Promise<{ status: string; answers: string[] }> => {
    if (!dns) throw new Error('coredns did not start');
    const res = await run('dig', ['@127.0.0.1', '-p', String(dns.port), '+tries=1', '+time=2', '+noall', '+comments', '+answer', name, type]);
    expect(res.code, res.stderr).toBe(0);
    const status = /status: (\w+)/.exec(res.stdout)?.[1] ?? 'NO-REPLY';
    const answers = res.stdout
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith(';'))
      .map((l) => l.split(/\s+/).filter((f, i) => i !== 2).join(' '));
    return { status, answers };
  };

  const zone = `${SVC}.${NS}.svc.cluster.local.`;
  // Only endpoints with ready=true are published (kubernetes plugin, endpointsliceReady).
  it.each([
    { name: zone, status: 'NOERROR', answers: [`${zone} 7 A 10.244.0.5`] },
    { name: `kubia-0.${zone}`, status: 'NOERROR', answers: [`kubia-0.${zone} 7 A 10.244.0.5`] },
    { name: `kubia-1.${zone}`, status: 'NXDOMAIN', answers: [] },
    { name: `nope.${NS}.svc.cluster.local.`, status: 'NXDOMAIN', answers: [] },
  ])('dig $name → $status $answers', async ({ name, status, answers }) => {
    // CoreDNS' informer may lag the slice by a moment.
    const got = await waitFor(async () => {
      const r = await dig(name);
      return r.status === status && JSON.stringify(r.answers) === JSON.stringify(answers) && r;
    }, 15_000, { what: `${name} to answer ${status} ${answers.join(',')}` }).catch(async () => dig(name));
    expect(got).toEqual({ status, answers });
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
