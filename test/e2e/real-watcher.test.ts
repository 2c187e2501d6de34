/**
 * ordinal's watcher on a real control plane, next to CoreDNS: both follow the same
 * EndpointSlices written by kube-controller-manager. Measures how long after a pod turns Ready
 * (its status write, as a kubelet does it) each server answers for it, over 20 flips, and checks
 * that deleting a Service and a namespace removes their names from both.
 * The numbers printed here are recorded in bench/coredns/propagation.md.
 */
import { Resolver } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoreDNS, type CoreDNS } from './harness/coredns.ts';
import { ensureNode, setPodStatus } from './harness/kubelet.ts';
import { startControlPlane, type ControlPlane } from './harness/plane.ts';
import { waitFor } from './harness/util.ts';
import { createPod } from './real/cluster-state.ts';
import { ask } from './real/compare.ts';
import { startOrdinalServe, type OrdinalServe } from './real/ordinal.ts';

const NS = 'watch';
const IP = '10.244.2.10';
const NAME = `flip-0.flip.${NS}.svc.cluster.local`;
const FLIPS = 20;

let plane: ControlPlane | undefined;
let coredns: CoreDNS | undefined;
let ordinal: OrdinalServe | undefined;
let core: CoreV1Api;

beforeAll(async () => {
  plane = await startControlPlane();
  core = plane.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await ensureNode(core);
  await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'flip' }, spec: { clusterIP: 'None', selector: { app: 'flip' }, ports: [{ name: 'http', port: 80 }] } } });
  await createPod(core, { ns: NS, name: 'flip-0', app: 'flip', ip: IP, ready: false, subdomain: 'flip' });
  [coredns, ordinal] = await Promise.all([
    startCoreDNS({ kubeconfigPath: plane.kubeconfigPath, ttl: 5 }),
    startOrdinalServe(plane.kubeconfigPath),
  ]);
});

afterAll(async () => {
  await ordinal?.stop();
  await coredns?.stop();
  await plane?.stop();
});

function resolver(port: number): Resolver {
  const r = new Resolver({ timeout: 500, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}

/** Resolves with ms since `t0` once `port` answers `name` with `ip` (present) or NXDOMAIN (absent). */
async function until(r: Resolver, present: boolean, t0: number, timeoutMs = 10_000): Promise<number> {
  for (;;) {
    const got = await r.resolve4(NAME).then((a) => a.includes(IP), () => false);
    if (got === present) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${NAME} still ${present ? 'absent' : 'present'} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 2));
  }
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

describe('propagation on a real control plane', () => {
  it(`pod Ready → answerable, ordinal and CoreDNS, ${FLIPS} flips`, async () => {
    const servers = { ordinal: resolver(ordinal!.port), coredns: resolver(coredns!.port) };
    const lat: Record<keyof typeof servers, number[]> = { ordinal: [], coredns: [] };
    for (let i = 0; i < FLIPS; i++) {
      await setPodStatus(core, NS, 'flip-0', IP, false);
      const t1 = performance.now();
      await Promise.all(Object.values(servers).map((r) => until(r, false, t1)));
      const t0 = performance.now();
      await setPodStatus(core, NS, 'flip-0', IP, true);
      const [o, c] = await Promise.all([until(servers.ordinal, true, t0), until(servers.coredns, true, t0)]);
      lat.ordinal.push(o);
      lat.coredns.push(c);
    }
    const row = (n: keyof typeof servers): string =>
      `${n.padEnd(8)} p50 ${pct(lat[n], 50).toFixed(1)} ms  p99 ${pct(lat[n], 99).toFixed(1)} ms  min ${Math.min(...lat[n]).toFixed(1)}  max ${Math.max(...lat[n]).toFixed(1)}`;
    console.log(`pod Ready → answerable over ${FLIPS} flips (from the status write):\n${row('ordinal')}\n${row('coredns')}`);
    expect(lat.ordinal).toHaveLength(FLIPS);
    expect(lat.coredns).toHaveLength(FLIPS);
  });

  it('removes a deleted Service and a deleted namespace from both servers', async () => {
    await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'gone' }, spec: { clusterIP: '10.0.0.60', ports: [{ port: 80 }] } } });
    for (const port of [ordinal!.port, coredns!.port]) {
      await waitFor(async () => (await ask(port, { name: `gone.${NS}.svc.cluster.local`, type: 'A' })).answers.length === 1, 15_000, { what: `gone to appear on ${port}` });
    }
    await core.deleteNamespacedService({ name: 'gone', namespace: NS });
    for (const port of [ordinal!.port, coredns!.port]) {
      await waitFor(async () => (await ask(port, { name: `gone.${NS}.svc.cluster.local`, type: 'A' })).status === 'NXDOMAIN', 15_000, { what: `gone to leave ${port}` });
    }
    await core.deleteNamespace({ name: NS });
    for (const port of [ordinal!.port, coredns!.port]) {
      await waitFor(async () => (await ask(port, { name: `flip.${NS}.svc.cluster.local`, type: 'SRV' })).status === 'NXDOMAIN', 60_000, { what: `namespace ${NS} to leave ${port}` });
    }
  });
});
