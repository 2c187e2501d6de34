/**
 * Bootstrap-stall bench on a real control plane: bench.ts's measurement (common.ts), with the
 * caching resolver (unbound) forwarding the cluster zone to, in turn,
 *   - CoreDNS 1.14 as kubeadm configures it (`kubernetes ... { pods insecure; ttl 30 }`, `cache 30`);
 *   - ordinal with the expected-name rule off (`--expected-negative-ttl 30`);
 *   - ordinal with the rule on (the default, 0).
 * All three watch the same kube-apiserver (scripts/build-e2e-bins.sh builds it and CoreDNS);
 * EndpointSlices come from kube-controller-manager and the StatefulSet's pods from ordinal's
 * controller (`ordinal serve --controller`). The bench plays the kubelet: pod i is bound and
 * started (Running, with an IP, not Ready) `--spread-ms` × i after it is created, as image pulls
 * and scheduling spread real pods out; it turns Ready once its process has resolved every peer.
 * Each run uses a fresh namespace and a fresh unbound, so no cache carries over.
 *
 *   node_modules/.bin/node bench/bootstrap/real.ts [--runs 3] [--replicas 5] [--spread-ms 500]
 *       [--retry-ms 1000] [--timeout-s 120]
 *
 * Needs unbound (/usr/sbin/unbound) and the e2e binaries. Numbers belong on a quiet machine.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { requireBins } from '../../test/e2e/harness/bins.ts';
import { diedError, startDaemon, type Daemon } from '../../test/e2e/harness/daemon.ts';
import { ensureNode, setPodStatus } from '../../test/e2e/harness/kubelet.ts';
import { startControlPlane, type ControlPlane } from '../../test/e2e/harness/plane.ts';
import { freeDnsPort, freePort, httpGet, waitFor } from '../../test/e2e/harness/util.ts';
import { startOrdinalServe, type OrdinalServe } from '../../test/e2e/real/ordinal.ts';
import { bootstrap, peerService, sleep, startUnbound, stopProc, summarise, type BootResult } from './common.ts';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' }, replicas: { type: 'string', default: '5' }, 'spread-ms': { type: 'string', default: '500' },
    'retry-ms': { type: 'string', default: '1000' }, 'timeout-s': { type: 'string', default: '120' },
  },
});
const TTL = 30;

/** kubeadm's Corefile, cut to what matters here (dns.md B.13), bound to loopback for the bench. */
function corefile(port: number, readyPort: number, kubeconfig: string): string {
  return `.:${port} {
    bind 127.0.0.1
    errors
    ready 127.0.0.1:${readyPort}
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl ${TTL}
    }
    cache 30
}
`;
}

async function startCoreDNS(dir: string, kubeconfig: string): Promise<{ port: number; daemon: Daemon }> {
  const port = await freeDnsPort();
  const readyPort = await freePort();
  const conf = join(dir, 'Corefile');
  await writeFile(conf, corefile(port, readyPort, kubeconfig));
  const daemon = startDaemon({ name: 'coredns', bin: requireBins(['coredns']).coredns, args: ['-conf', conf], logFile: join(dir, 'coredns.log') });
  await waitFor(async () => {
    if (daemon.hasExited()) throw diedError(daemon);
    return (await httpGet(`http://127.0.0.1:${readyPort}/ready`)).status === 200;
  }, 30_000, { what: 'coredns /ready', intervalMs: 200 });
  return { port, daemon };
}

/**
 * The kubelet's part, by hand: bind pod i to node-0 and start it (an IP, not Ready) spread × i
 * after it appears; stops when `done` resolves.
 */
async function kubelet(core: CoreV1Api, ns: string, subnet: number, spreadMs: number, done: Promise<unknown>): Promise<void> {
  let over = false;
  void done.finally(() => { over = true; });
  const seen = new Set<string>();
  const starts: Promise<void>[] = [];
  while (!over) {
    for (const p of (await core.listNamespacedPod({ namespace: ns })).items) {
      const name = p.metadata?.name ?? '';
      if (seen.has(name) || p.spec?.nodeName) continue;
      seen.add(name);
      const i = Number(name.slice(name.lastIndexOf('-') + 1));
      starts.push(sleep(i * spreadMs).then(async () => {
        await core.createNamespacedPodBinding({ name, namespace: ns, body: { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-0' } } });
        await setPodStatus(core, ns, name, `10.250.${subnet}.${i + 10}`, false);
      }));
    }
    await sleep(20);
  }
  await Promise.all(starts);
}

let plane: ControlPlane | undefined;
let coredns: Daemon | undefined;
const ordinals: OrdinalServe[] = [];
const dir = await mkdtemp(join(tmpdir(), 'ordinal-bootstrap-real-'));
const results: Array<BootResult & { variant: string }> = [];
try {
  plane = await startControlPlane();
  const kc = plane.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  await ensureNode(core);
  const cd = await startCoreDNS(dir, plane.kubeconfigPath);
  coredns = cd.daemon;
  const on = await startOrdinalServe(plane.kubeconfigPath, ['--controller', '--ttl', String(TTL), '--expected-negative-ttl', '0']);
  ordinals.push(on);
  const off = await startOrdinalServe(plane.kubeconfigPath, ['--ttl', String(TTL), '--expected-negative-ttl', String(TTL)]);
  ordinals.push(off);
  const variants = [
    { variant: 'CoreDNS 1.14 (ttl 30, cache 30)', port: cd.port },
    { variant: 'ordinal, expected-name rule off', port: off.port },
    { variant: 'ordinal, expected-name rule on', port: on.port },
  ];
  for (let k = 0; k < Number(flags.runs); k++) {
    for (const [v, { variant, port }] of variants.entries()) {
      const subnet = k * variants.length + v;
      const ns = `boot-${k}-${v}`;
      const boot = {
        ns, svc: 'peers', sts: 'peer', replicas: Number(flags.replicas),
        retryMs: Number(flags['retry-ms']), timeoutMs: Number(flags['timeout-s']) * 1000,
        markReady: async (i: number): Promise<void> => { await setPodStatus(core, ns, `peer-${i}`, `10.250.${subnet}.${i + 10}`, true); },
      };
      await core.createNamespace({ body: { metadata: { name: ns } } });
      await core.createNamespacedService({ namespace: ns, body: peerService(boot) });
      const ub = await startUnbound(dir, port);
      let finish = (): void => undefined;
      const done = new Promise<void>((r) => { finish = r; });
      const kube = kubelet(core, ns, subnet, Number(flags['spread-ms']), done);
      try {
        const res = { variant, ...(await bootstrap(core, apps, ub.resolver, boot)) };
        results.push(res);
        console.log(JSON.stringify({ ttl: TTL, spreadMs: Number(flags['spread-ms']), ...boot, markReady: undefined, ...res }));
      } finally {
        finish();
        await kube;
        await stopProc(ub.proc);
      }
    }
  }
  for (const line of summarise(results)) console.log(line);
} finally {
  for (const o of ordinals) await o.stop();
  await coredns?.stop();
  await plane?.stop();
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
