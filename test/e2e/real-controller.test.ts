/**
 * ordinal's StatefulSet controller on a real control plane: `ordinal serve --controller` against
 * kube-apiserver (kube-controller-manager writes EndpointSlices and collects garbage), with
 * ordinal's simulated kubelets standing in for nodes. The book's kubia StatefulSet
 * (deploy/examples/kubia.yaml without the PersistentVolumes: its claims stay Pending, nothing
 * binds them here, and the simulated kubelet runs the pods anyway): kubia-0 is Ready before
 * kubia-1 exists, DNS follows readiness, a deleted pod comes back
 * with the same name, and scale-down removes the highest ordinal first.
 */
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, Watch, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { READY_ANNOTATION, startSimNodes, type Stoppable } from '../../src/local/sim/index.ts';
import { startControlPlane, type ControlPlane } from './harness/plane.ts';
import { waitFor } from './harness/util.ts';
import { ask } from './real/compare.ts';
import { startOrdinalServe, type OrdinalServe } from './real/ordinal.ts';

const NS = 'default';
const SVC = `kubia.${NS}.svc.cluster.local`;

let plane: ControlPlane | undefined;
let sim: Stoppable | undefined;
let ordinal: OrdinalServe | undefined;
let core: CoreV1Api;
let apps: AppsV1Api;
type Ev = { type: string; name: string; ready: boolean; deleting: boolean; uid: string };
const events: Ev[] = [];
let stopWatch: (() => void) | undefined;

const isReady = (p: V1Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

beforeAll(async () => {
  plane = await startControlPlane();
  const kc = plane.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  sim = await startSimNodes(kc, { nodes: ['node-0', 'node-1'], readyDelayMs: 500, heartbeatMs: 2000, shutdownMs: 200, log: silentLogger() });
  const list = await core.listNamespacedPod({ namespace: NS });
  const ctrl = await new Watch(kc).watch(`/api/v1/namespaces/${NS}/pods`, { resourceVersion: list.metadata?.resourceVersion }, (type, p: V1Pod) => {
    events.push({ type, name: p.metadata?.name ?? '', ready: isReady(p), deleting: p.metadata?.deletionTimestamp !== undefined, uid: p.metadata?.uid ?? '' });
  }, () => undefined);
  stopWatch = () => ctrl.abort();
  ordinal = await startOrdinalServe(plane.kubeconfigPath, ['--controller']);
});

afterAll(async () => {
  stopWatch?.();
  await ordinal?.stop();
  await sim?.stop();
  await plane?.stop();
});

async function podIP(name: string): Promise<string | undefined> {
  const p = await core.readNamespacedPod({ name, namespace: NS }).catch(() => undefined);
  return p && isReady(p) && !p.metadata?.deletionTimestamp ? p.status?.podIP : undefined;
}

async function answers(name: string): Promise<string[]> {
  return (await ask(ordinal!.port, { name, type: 'A' })).answers.map((rr) => rr.split(' ').at(-1)!);
}

describe('the kubia StatefulSet under ordinal --controller', () => {
  it('creates kubia-0, and kubia-1 only once kubia-0 is Ready', async () => {
    const r = await plane!.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1', kind: 'List', items: [
          { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubia' }, spec: { clusterIP: 'None', selector: { app: 'kubia' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
          {
            apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'kubia' },
            spec: {
              serviceName: 'kubia', replicas: 2, selector: { matchLabels: { app: 'kubia' } },
              template: {
                metadata: { labels: { app: 'kubia' } },
                spec: { containers: [{ name: 'kubia', image: 'luksa/kubia-pet', ports: [{ name: 'http', containerPort: 8080 }], volumeMounts: [{ name: 'data', mountPath: '/var/data' }] }] },
              },
              volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Mi' } }, accessModes: ['ReadWriteOnce'] } }],
            },
          },
        ],
      }),
    });
    expect(r.code, r.stderr).toBe(0);
    await waitFor(async () => (await apps.readNamespacedStatefulSet({ name: 'kubia', namespace: NS })).status?.readyReplicas === 2, 60_000, { what: 'two ready replicas' });
    const firstKubia1 = events.findIndex((e) => e.name === 'kubia-1');
    const kubia0Ready = events.findIndex((e) => e.name === 'kubia-0' && e.ready);
    expect(kubia0Ready).toBeGreaterThanOrEqual(0);
    expect(firstKubia1).toBeGreaterThan(kubia0Ready);
    const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items.map((c) => `${c.metadata?.name} ${c.status?.phase}`).sort();
    expect(claims).toEqual(['data-kubia-0 Pending', 'data-kubia-1 Pending']);
    const pod = await core.readNamespacedPod({ name: 'kubia-1', namespace: NS });
    expect(pod.spec).toMatchObject({ hostname: 'kubia-1', subdomain: 'kubia' });
  });

  it('answers each pod by its stable name, and the SRV lists both peers', async () => {
    for (const name of ['kubia-0', 'kubia-1']) {
      const ip = await podIP(name);
      await waitFor(async () => (await answers(`${name}.${SVC}`))[0] === ip, 10_000, { what: `${name} in DNS` });
    }
    const srv = await ask(ordinal!.port, { name: SVC, type: 'SRV' });
    expect(srv.answers.map((rr) => rr.split(' ').at(-1)).sort()).toEqual([`kubia-0.${SVC}.`, `kubia-1.${SVC}.`]);
  });

  it('drops a pod from DNS while it is not ready and brings it back when it is', async () => {
    await core.patchNamespacedPod({ name: 'kubia-1', namespace: NS, body: { metadata: { annotations: { [READY_ANNOTATION]: 'false' } } } }, merge);
    await waitFor(async () => (await ask(ordinal!.port, { name: `kubia-1.${SVC}`, type: 'A' })).status === 'NXDOMAIN', 15_000, { what: 'kubia-1 to leave DNS' });
    await core.patchNamespacedPod({ name: 'kubia-1', namespace: NS, body: { metadata: { annotations: { [READY_ANNOTATION]: null } } } }, merge);
    const ip = await waitFor(() => podIP('kubia-1'), 15_000, { what: 'kubia-1 Ready again' });
    await waitFor(async () => (await answers(`kubia-1.${SVC}`))[0] === ip, 15_000, { what: 'kubia-1 back in DNS' });
  });

  it('replaces a deleted pod with one of the same name, which DNS then answers for', async () => {
    const old = await core.readNamespacedPod({ name: 'kubia-0', namespace: NS });
    await core.deleteNamespacedPod({ name: 'kubia-0', namespace: NS });
    const fresh = await waitFor(async () => {
      const p = await core.readNamespacedPod({ name: 'kubia-0', namespace: NS }).catch(() => undefined);
      return p && p.metadata?.uid !== old.metadata?.uid && isReady(p) ? p : undefined;
    }, 30_000, { what: 'a new Ready kubia-0' });
    expect(fresh.spec).toMatchObject({ hostname: 'kubia-0', subdomain: 'kubia' });
    expect(fresh.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe('data-kubia-0');
    await waitFor(async () => (await answers(`kubia-0.${SVC}`))[0] === fresh.status?.podIP, 15_000, { what: 'the new kubia-0 in DNS' });
  });

  it('scales up in order and down from the highest ordinal', async () => {
    await apps.patchNamespacedStatefulSetScale({ name: 'kubia', namespace: NS, body: { spec: { replicas: 3 } } }, merge);
    await waitFor(async () => (await apps.readNamespacedStatefulSet({ name: 'kubia', namespace: NS })).status?.readyReplicas === 3, 30_000, { what: 'three ready replicas' });
    const from = events.length;
    await apps.patchNamespacedStatefulSetScale({ name: 'kubia', namespace: NS, body: { spec: { replicas: 1 } } }, merge);
    await waitFor(async () => (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=kubia' })).items.length === 1, 30_000, { what: 'one pod left' });
    const deletions = events.slice(from).filter((e) => e.deleting || e.type === 'DELETED').map((e) => e.name);
    expect([...new Set(deletions)]).toEqual(['kubia-2', 'kubia-1']);
    // kubia-1 was not touched until kubia-2 was gone.
    const kubia2Gone = events.findIndex((e, i) => i >= from && e.name === 'kubia-2' && e.type === 'DELETED');
    const kubia1Deleting = events.findIndex((e, i) => i >= from && e.name === 'kubia-1' && e.deleting);
    expect(kubia1Deleting).toBeGreaterThan(kubia2Gone);
    await waitFor(async () => {
      const srv = await ask(ordinal!.port, { name: SVC, type: 'SRV' });
      return srv.answers.length === 1 && srv.answers[0]!.endsWith(`kubia-0.${SVC}.`);
    }, 15_000, { what: 'the SRV to list kubia-0 only' });
    const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items.map((c) => c.metadata?.name).sort();
    expect(claims).toEqual(['data-kubia-0', 'data-kubia-1', 'data-kubia-2']); // whenScaled: Retain
  });
});
