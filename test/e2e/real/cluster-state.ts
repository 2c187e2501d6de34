/**
 * @module A varied cluster state for comparing DNS servers on a real control plane: headless
 * Services with StatefulSet-style pods (hostname + subdomain), a not-ready pod, ClusterIP
 * Services with named and unnamed ports, ExternalNames in and out of the zone, and a second
 * namespace whose pods have no hostname. Pods are bound to a Node and given fixed IPs by hand,
 * as a kubelet would (harness/kubelet.ts); kube-controller-manager writes the EndpointSlices.
 */
import type { CoreV1Api, V1Service } from '@kubernetes/client-node';
import { ensureNode, setPodStatus, TEST_NODE } from '../harness/kubelet.ts';

export const NS_A = 'diff-a';
export const NS_B = 'diff-b';

export type PodSpec = { ns: string; name: string; app: string; ip: string; ready: boolean; subdomain?: string };

export const PODS: readonly PodSpec[] = [
  { ns: NS_A, name: 'kubia-0', app: 'kubia', ip: '10.244.0.10', ready: true, subdomain: 'kubia' },
  { ns: NS_A, name: 'kubia-1', app: 'kubia', ip: '10.244.0.11', ready: true, subdomain: 'kubia' },
  { ns: NS_A, name: 'kubia-2', app: 'kubia', ip: '10.244.0.12', ready: false, subdomain: 'kubia' },
  { ns: NS_A, name: 'web-x', app: 'web', ip: '10.244.0.20', ready: true },
  { ns: NS_B, name: 'db-a', app: 'db', ip: '10.244.0.30', ready: true },
  { ns: NS_B, name: 'db-b', app: 'db', ip: '10.244.0.31', ready: true },
];

const svc = (ns: string, name: string, spec: V1Service['spec']): { ns: string; body: V1Service } => ({ ns, body: { metadata: { name }, spec } });

export const SERVICES = [
  svc(NS_A, 'kubia', { clusterIP: 'None', selector: { app: 'kubia' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
  svc(NS_A, 'web', {
    clusterIP: '10.0.0.50', selector: { app: 'web' },
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }],
  }),
  svc(NS_A, 'single', { clusterIP: '10.0.0.51', selector: { app: 'web' }, ports: [{ port: 8080 }] }),
  svc(NS_A, 'ext', { type: 'ExternalName', externalName: 'example.com' }),
  svc(NS_A, 'ext-in', { type: 'ExternalName', externalName: 'web.diff-a.svc.cluster.local' }),
  svc(NS_B, 'db', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] }),
  svc(NS_B, 'empty', { clusterIP: 'None', selector: { app: 'nothing' }, ports: [{ name: 'x', port: 1 }] }),
];

export async function createPod(core: CoreV1Api, p: PodSpec): Promise<void> {
  await core.createNamespacedPod({
    namespace: p.ns,
    body: {
      metadata: { name: p.name, labels: { app: p.app } },
      spec: {
        ...(p.subdomain ? { hostname: p.name, subdomain: p.subdomain } : {}),
        nodeName: TEST_NODE,
        containers: [{ name: 'main', image: 'luksa/kubia-pet', ports: [{ containerPort: 8080 }] }],
      },
    },
  });
  await setPodStatus(core, p.ns, p.name, p.ip, p.ready);
}

export async function createState(core: CoreV1Api): Promise<void> {
  for (const ns of [NS_A, NS_B]) await core.createNamespace({ body: { metadata: { name: ns } } });
  await ensureNode(core);
  for (const s of SERVICES) await core.createNamespacedService({ namespace: s.ns, body: s.body });
  for (const p of PODS) await createPod(core, p);
}
