/**
 * Bootstrap-stall bench (README "No bootstrap stall", kubernetes/kubernetes#92559): how long until
 * every pod of a 5-replica Parallel StatefulSet has resolved every peer, when the pods ask through a
 * caching resolver (Debian's `unbound`) that forwards the cluster zone to ordinal.
 *
 *   node_modules/.bin/node bench/bootstrap/bench.ts [--rule on|off|both] [--runs 3] [--ttl 30]
 *       [--replicas 5] [--retry-ms 1000] [--timeout-s 120]
 *
 * Each run starts `ordinal local` (embedded API, simulated nodes, DNS; `--ttl 30` as kubeadm's
 * Corefile) and unbound forwarding `cluster.local` to it, with a headless Service that has
 * publishNotReadyAddresses (what clustered-app charts use, so peers resolve before they are
 * Ready). Then it creates a Parallel StatefulSet whose pods are held not Ready
 * (`sim.ordinal.dev/ready=false`) and plays each pod's process (common.ts): once its pod has an IP
 * it looks up every peer's `<sts>-<j>.<svc>.<ns>.svc.cluster.local` through unbound, retrying
 * the failures every `--retry-ms`, and when all resolve it releases its readiness hold. A lookup
 * that runs before a peer has an IP gets NXDOMAIN, which unbound caches for the SOA's negative
 * TTL: `--ttl` with the rule off (`--expected-negative-ttl` = `--ttl`), 0 s with it on (the
 * default). The result is the time from creating the StatefulSet to the last pod having resolved
 * every peer. real.ts runs the same on a real control plane, with CoreDNS beside ordinal.
 *
 * Needs the `unbound` package (/usr/sbin/unbound). Numbers belong on a quiet machine.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { bootstrap, freePort, peerService, resolverAt, startProc, startUnbound, stopProc, summarise, waitDns, waitFor, type BootResult } from './common.ts';

const { values: flags } = parseArgs({
  options: {
    rule: { type: 'string', default: 'both' }, runs: { type: 'string', default: '1' }, ttl: { type: 'string', default: '30' },
    replicas: { type: 'string', default: '5' }, 'retry-ms': { type: 'string', default: '1000' }, 'timeout-s': { type: 'string', default: '120' },
  },
});
const TTL = Number(flags.ttl);
const RULES = flags.rule === 'both' ? ['off', 'on'] : [flags.rule ?? 'on'];
const ROOT = resolve(import.meta.dirname, '../..');
const BOOT = { ns: 'default', svc: 'peers', sts: 'peer', replicas: Number(flags.replicas), retryMs: Number(flags['retry-ms']), timeoutMs: Number(flags['timeout-s']) * 1000 };

async function once(rule: string): Promise<BootResult & { variant: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ordinal-bootstrap-'));
  const dnsPort = await freePort();
  const procs: Array<Awaited<ReturnType<typeof startProc>>['proc']> = [];
  try {
    // The headless Service comes as the manifest (without one `ordinal local` loads its example).
    await writeFile(join(dir, 'service.yaml'), JSON.stringify(peerService(BOOT)));
    const o = await startProc(process.execPath, [
      join(ROOT, 'bin/ordinal.js'), 'local', join(dir, 'service.yaml'), '--data-dir', join(dir, 'data'), '--api-listen', '127.0.0.1:0',
      '--dns-listen', `127.0.0.1:${dnsPort}`, '--http-listen', '127.0.0.1:0', '--ttl', String(TTL),
      '--expected-negative-ttl', rule === 'on' ? '0' : String(TTL), '--ready-delay', '0', '--log-level', 'warn',
    ], /to use kubectl: +export KUBECONFIG=(\S+)/, ROOT);
    procs.push(o.proc);
    const kc = new KubeConfig();
    kc.loadFromFile(o.match![1]!);
    const core = kc.makeApiClient(CoreV1Api);
    await waitDns(resolverAt(dnsPort), 'cluster.local', 30_000);
    await waitFor(async () => (await core.listNamespacedService({ namespace: BOOT.ns })).items.some((x) => x.metadata?.name === BOOT.svc));
    const ub = await startUnbound(dir, dnsPort);
    procs.push(ub.proc);
    return { variant: `ordinal local, expected-name rule ${rule}`, ...(await bootstrap(core, kc.makeApiClient(AppsV1Api), ub.resolver, BOOT)) };
  } finally {
    for (const p of procs.reverse()) await stopProc(p);
    await rm(dir, { recursive: true, force: true });
  }
}

const results: Array<BootResult & { variant: string }> = [];
for (let k = 0; k < Number(flags.runs); k++) {
  for (const rule of RULES) {
    const res = await once(rule);
    results.push(res);
    console.log(JSON.stringify({ ttl: TTL, ...BOOT, ...res }));
  }
}
for (const line of summarise(results)) console.log(line);
process.exit(0);
