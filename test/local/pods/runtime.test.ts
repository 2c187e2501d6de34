/**
 * The simulated container runtime end to end on the in-process `ordinal local` stack: the
 * book's apps answer on the pod network with their exact bodies, kubia-0's data is a file under
 * the data dir that survives the pod's deletion, the peers app finds its peers through ordinal's
 * DNS, and an image ordinal does not simulate gets an Event saying so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Resolver } from 'node:dns/promises';
import { join } from 'node:path';
import { AppsV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podRequest } from '../../../src/local/sim/runtime/pod-http.ts';
import { waitFor } from '../sim/cluster.ts';
import { startPodsStack, type PodsStack } from './stack.ts';

const GREETING = 'Hey there! This greeting was submitted to kubia-0.';

async function call(s: PodsStack, pod: V1Pod, method = 'GET', path = '/', body?: string): Promise<string> {
  const res = await podRequest(s.runtime.network, pod.status?.podIP ?? '', 8080, { method, path, ...(body === undefined ? {} : { body }) });
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The host file behind a pod's /var/data/kubia.txt: its claim's PV, re-rooted under the data dir. */
async function dataFile(s: PodsStack, pod: string): Promise<string> {
  const claim = await s.core.readNamespacedPersistentVolumeClaim({ name: `data-${pod}`, namespace: 'default' });
  const pv = await s.core.readPersistentVolume({ name: claim.spec?.volumeName ?? '' });
  return join(s.dataDir, 'hostpath', pv.spec?.hostPath?.path ?? '', 'kubia.txt');
}

describe('running pods on the local stack', () => {
  let s: PodsStack;
  beforeAll(async () => {
    s = await startPodsStack();
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
    if (s) await rm(s.dataDir, { recursive: true, force: true });
  });

  it('kubia-pet answers with the hostname and no data yet', async () => {
    const pod = await s.ready('kubia-0');
    expect(await call(s, pod)).toBe("You've hit kubia-0\nData stored on this pod: No data posted yet\n");
    expect(await call(s, pod, 'DELETE', '/any/path?x=1')).toBe("You've hit kubia-0\nData stored on this pod: No data posted yet\n");
  });

  it('a POST stores the body in a file on the host and logs one line', async () => {
    const pod = await s.ready('kubia-0');
    expect(await call(s, pod, 'POST', '/', GREETING)).toBe('Data stored on pod kubia-0\n');
    const file = await dataFile(s, 'kubia-0');
    expect(readFileSync(file, 'utf8')).toBe(GREETING);
    expect(await call(s, pod)).toBe(`You've hit kubia-0\nData stored on this pod: ${GREETING}\n`);
    const sb = s.runtime.sandbox(pod.metadata?.uid ?? '');
    const lines = sb?.containers.get('kubia')?.logs.read({}).map((e) => e.data.toString());
    expect(lines).toEqual(['New data has been received and stored.\n']);
  });

  it('the data survives the deletion of the pod; the replacement reads it', async () => {
    const old = await s.ready('kubia-0');
    await s.core.deleteNamespacedPod({ name: 'kubia-0', namespace: 'default' });
    const pod = await waitFor('a new kubia-0', async () => {
      const p = await s.ready('kubia-0');
      return p.metadata?.uid !== old.metadata?.uid && p;
    }, 20_000);
    expect(s.runtime.sandbox(old.metadata?.uid ?? '')).toBeUndefined();
    expect(s.runtime.network.lookup(old.status?.podIP ?? '', 8080) === undefined || old.status?.podIP === pod.status?.podIP).toBe(true);
    expect(await call(s, pod)).toBe(`You've hit kubia-0\nData stored on this pod: ${GREETING}\n`);
  });

  it('the peers image lists every peer\'s data, found through SRV records in ordinal\'s DNS', async () => {
    const apps = s.api.kubeConfig().makeApiClient(AppsV1Api);
    await apps.patchNamespacedStatefulSet({ name: 'kubia', namespace: 'default', body: [
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'luksa/kubia-pet-peers' },
    ] });
    const pods = await waitFor('three peers pods Ready', async () => {
      const ps = await Promise.all(['kubia-0', 'kubia-1', 'kubia-2'].map((n) => s.ready(n)));
      return ps.every((p) => p.spec?.containers[0]?.image === 'luksa/kubia-pet-peers') && ps;
    }, 30_000);
    // Pods turn Ready before their EndpointSlices and the zone follow: wait for DNS to agree.
    const dns = new Resolver();
    dns.setServers([s.dnsAt]);
    await waitFor('DNS names at the new pod IPs', async () => {
      const got = await Promise.all(pods.map((p) => dns.resolve4(`${p.metadata?.name}.kubia.default.svc.cluster.local`).catch(() => [])));
      return got.every((ips, i) => ips[0] === pods[i]!.status?.podIP);
    }, 10_000);
    expect(await call(s, pods[1]!, 'POST', '/', 'hello from 1')).toBe('Data stored on pod kubia-1\n');
    expect(await call(s, pods[2]!, 'GET', '/data')).toBe('No data posted yet');
    const body = await call(s, pods[0]!);
    const [head, ...peers] = body.split('\n');
    expect(head).toBe("You've hit kubia-0");
    expect(peers[0]).toBe('Data stored in the cluster:');
    expect(new Set(peers.slice(1))).toEqual(new Set([
      `- kubia-0.kubia.default.svc.cluster.local: ${GREETING}`,
      '- kubia-1.kubia.default.svc.cluster.local: hello from 1',
      '- kubia-2.kubia.default.svc.cluster.local: No data posted yet',
      '',
    ]));
    expect(body.endsWith('\n')).toBe(true);
  }, 40_000);

  it('an image ordinal does not simulate runs idle and gets an Event saying so', async () => {
    await s.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } } });
    const pod = await s.ready('web');
    const ev = await waitFor('the Simulated event', async () => {
      const list = await s.core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=web' });
      return list.items.find((e) => e.reason === 'Simulated');
    });
    expect(ev).toMatchObject({ type: 'Normal', message: 'Image "nginx:1.27" is simulated: ordinal runs no process for it and nothing listens on its ports', involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{nginx}' } });
    expect(s.runtime.network.lookup(pod.status?.podIP ?? '', 80)).toBeUndefined();
    await s.core.deleteNamespacedPod({ name: 'web', namespace: 'default' });
    await waitFor('web gone and its files removed', async () => !s.runtime.sandbox(pod.metadata?.uid ?? '') && !existsSync(s.runtime.podDir(pod.metadata?.uid ?? '')), 10_000);
  });
});

describe('a restart of the local stack on the same data dir', () => {
  it('starts the pods\' containers again and kubia-0 still has its data', async () => {
    const first = await startPodsStack();
    const dataDir = first.dataDir;
    try {
      const pod = await first.ready('kubia-0');
      expect(await call(first, pod, 'POST', '/', GREETING)).toBe('Data stored on pod kubia-0\n');
    } finally {
      await first.stop();
    }
    const again = await startPodsStack({ dataDir });
    try {
      const pod = await again.ready('kubia-0');
      const body = await waitFor('kubia-0 listening again', () => call(again, pod).catch(() => undefined), 10_000);
      expect(body).toBe(`You've hit kubia-0\nData stored on this pod: ${GREETING}\n`);
    } finally {
      await again.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
