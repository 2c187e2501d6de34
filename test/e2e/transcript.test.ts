/**
 * The StatefulSet transcript of Kubernetes in Action, chapter 10, replayed with the real
 * kubectl and dig, twice: against `ordinal local` started as a user starts it, and against a
 * real kube-apiserver where `ordinal serve --controller` is the StatefulSet controller and
 * DNS server (real-cluster.ts), so kube-apiserver's own printer shows the pods' states.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from './harness/util.ts';
import { installedPackage } from './harness/package.ts';
import { startLocalCluster, type LocalCluster } from './local-cluster.ts';
import { startRealCluster } from './real-cluster.ts';

const ZONE = 'default.svc.cluster.local';
const podName = (p: { metadata: { name: string } }): string => p.metadata.name;

interface Pod {
  metadata: { name: string; uid: string; creationTimestamp: string; deletionTimestamp?: string };
  spec: { hostname?: string; subdomain?: string; nodeName?: string; volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }> };
  status: { phase?: string; podIP?: string; reason?: string; conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }> };
}

const ready = (p: Pod | undefined): boolean =>
  !!p && !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

const LOCAL_FLAGS = ['--ready-delay', '500ms', '--node-grace-period', '3s'];
const backends: Array<[string, () => Promise<LocalCluster>]> = [
  ['ordinal local', () => startLocalCluster(LOCAL_FLAGS)],
  // The same walk on the compiled package: `npm pack`, installed with `npm install -g`.
  ['ordinal local from the installed npm package', async () => {
    const pkg = await installedPackage();
    return startLocalCluster(LOCAL_FLAGS, { command: pkg.bin, env: pkg.env });
  }],
  ['kube-apiserver, with ordinal serve --controller', () => startRealCluster({ readyDelayMs: 500, nodeGracePeriodMs: 3000 })],
];

describe.each(backends)('the kubia transcript on %s', (_backend, start) => {
  let c: LocalCluster;
  const pods = async (): Promise<Map<string, Pod>> => {
    const list = await c.json<{ items: Pod[] }>('get', 'pods', '-l', 'app=kubia');
    return new Map(list.items.map((p) => [podName(p), p]));
  };
  const srvTargets = async (): Promise<string[]> =>
    (await c.dig(`kubia.${ZONE}`, 'SRV')).answers.map((a) => a.split(' ').at(-1)!).sort();
  const waitPods = (want: string[], what: string): Promise<Map<string, Pod>> =>
    waitFor(async () => {
      const m = await pods();
      return [...m.keys()].sort().join() === want.join() && want.every((n) => ready(m.get(n))) ? m : undefined;
    }, 60_000, { what, intervalMs: 250 });

  beforeAll(async () => {
    c = await start();
  });
  afterAll(async () => { await c?.stop(); });

  it('creates kubia-0 first and kubia-1 only after kubia-0 is Ready', async () => {
    // Sample the pods while the set comes up: kubia-1 must never exist while kubia-0 is unready.
    const seen: string[] = [];
    await waitFor(async () => {
      const m = await pods();
      if (m.has('kubia-1') && !ready(m.get('kubia-0'))) seen.push('kubia-1 exists while kubia-0 is not Ready');
      return ready(m.get('kubia-0')) && ready(m.get('kubia-1'));
    }, 60_000, { what: 'kubia-0 and kubia-1 Ready', intervalMs: 100 });
    expect(seen).toEqual([]);
    const m = await pods();
    const readyAt = Date.parse(m.get('kubia-0')!.status.conditions!.find((x) => x.type === 'Ready')!.lastTransitionTime!);
    expect(Date.parse(m.get('kubia-1')!.metadata.creationTimestamp)).toBeGreaterThanOrEqual(readyAt);
    const table = await c.k('get', 'po');
    expect(table).toMatch(/kubia-0\s+1\/1\s+Running/);
  });

  it('answers the pod A records and the SRV peer list', async () => {
    const m = await pods();
    const a0 = await waitFor(async () => (await c.dig(`kubia-0.kubia.${ZONE}`)).answers[0], 10_000, { what: 'kubia-0 A' });
    expect(a0).toContain(m.get('kubia-0')!.status.podIP!);
    expect(await waitFor(async () => ((await srvTargets()).length === 2 ? srvTargets() : undefined), 10_000))
      .toEqual([`kubia-0.kubia.${ZONE}.`, `kubia-1.kubia.${ZONE}.`]);
  });

  it('replaces a deleted pod with the same name, hostname and claim', async () => {
    const before = (await pods()).get('kubia-0')!;
    await c.k('delete', 'po', 'kubia-0');
    const after = await waitFor(async () => {
      const p = (await pods()).get('kubia-0');
      return p && p.metadata.uid !== before.metadata.uid && ready(p) ? p : undefined;
    }, 60_000, { what: 'a new kubia-0' });
    expect(after.spec.hostname).toBe('kubia-0');
    expect(after.spec.subdomain).toBe('kubia');
    expect(after.spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe('data-kubia-0');
    const a = await waitFor(async () => (await c.dig(`kubia-0.kubia.${ZONE}`)).answers.find((x) => x.endsWith(after.status.podIP!)), 10_000, { what: 'A of the new kubia-0' });
    expect(a).toBeTruthy();
  });

  it('scales up through the scale subresource and down from the highest ordinal, keeping claims', async () => {
    await c.k('scale', 'sts', 'kubia', '--replicas=3');
    await waitPods(['kubia-0', 'kubia-1', 'kubia-2'], 'three ready pods');
    expect(await waitFor(async () => ((await srvTargets()).length === 3 ? srvTargets() : undefined), 10_000)).toHaveLength(3);
    await c.k('scale', 'sts', 'kubia', '--replicas=1');
    const order: string[] = [];
    await waitFor(async () => {
      const names = [...(await pods()).keys()].sort();
      if (names.includes('kubia-2') && !names.includes('kubia-1')) order.push('kubia-1 gone before kubia-2');
      return names.join() === 'kubia-0';
    }, 60_000, { what: 'scale down to one pod', intervalMs: 100 });
    expect(order).toEqual([]);
    const claims = await c.json<{ items: Array<{ metadata: { name: string } }> }>('get', 'pvc');
    expect(claims.items.map((x) => x.metadata.name).sort()).toEqual(['data-kubia-0', 'data-kubia-1', 'data-kubia-2']);
    expect(await waitFor(async () => ((await srvTargets()).length === 1 ? srvTargets() : undefined), 10_000)).toEqual([`kubia-0.kubia.${ZONE}.`]);
  });

  it('reattaches the old claim on scale-up', async () => {
    const pvBefore = (await c.json<{ spec: { volumeName: string } }>('get', 'pvc', 'data-kubia-1')).spec.volumeName;
    await c.k('scale', 'sts', 'kubia', '--replicas=2');
    const m = await waitPods(['kubia-0', 'kubia-1'], 'kubia-1 back');
    expect(m.get('kubia-1')!.spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe('data-kubia-1');
    expect((await c.json<{ spec: { volumeName: string } }>('get', 'pvc', 'data-kubia-1')).spec.volumeName).toBe(pvBefore);
  });

  it('keeps a pod of a lost node Terminating, with no replacement, until it is force-deleted', async () => {
    const victim = (await pods()).get('kubia-0')!;
    const node = victim.spec.nodeName!;
    await c.k('annotate', 'node', node, 'sim.ordinal.dev/lost=true');
    // As in the book: Unknown (the pod's phase) while the node is silent, and still Unknown once
    // deleted (the printer's rule for a deleted pod with reason NodeLost) instead of Terminating.
    await waitFor(async () => /kubia-0\s+\S+\s+Unknown/.test(await c.k('get', 'po', 'kubia-0')), 30_000, { what: 'kubia-0 Unknown' });
    expect(await c.k('describe', 'po', 'kubia-0')).toMatch(/Message:\s+Node \S+ which was running pod kubia-0 is unresponsive/);
    await c.k('delete', 'po', 'kubia-0', '--wait=false');
    await waitFor(async () => /Reason:\s+NodeLost/.test(await c.k('describe', 'po', 'kubia-0')), 30_000, { what: 'kubia-0 NodeLost after delete' });
    expect(await c.k('get', 'po', 'kubia-0')).toMatch(/kubia-0\s+\S+\s+Unknown/);
    expect(await c.k('describe', 'po', 'kubia-0')).toMatch(/Status:\s+Terminating/);
    await sleep(3000);
    const still = (await pods()).get('kubia-0')!;
    expect(still.metadata.uid).toBe(victim.metadata.uid);
    expect(still.metadata.deletionTimestamp).toBeTruthy();
    // The lost pod drops out of DNS (it is no longer ready) while it blocks its identity.
    await waitFor(async () => ((await srvTargets()).length === 1 ? true : undefined), 10_000, { what: 'SRV without kubia-0' });
    const force = await c.kubectl('delete', 'po', 'kubia-0', '--force', '--grace-period=0');
    expect(force.code).toBe(0);
    const fresh = await waitFor(async () => {
      const p = (await pods()).get('kubia-0');
      return p && p.metadata.uid !== victim.metadata.uid && ready(p) ? p : undefined;
    }, 60_000, { what: 'a replacement kubia-0' });
    expect(fresh.spec.nodeName).not.toBe(node);
    expect(await waitFor(async () => ((await srvTargets()).length === 2 ? srvTargets() : undefined), 10_000)).toHaveLength(2);
    await c.k('annotate', 'node', node, 'sim.ordinal.dev/lost-');
  });
});
