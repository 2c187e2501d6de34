/**
 * @module CoreDNS (built by scripts/build-e2e-bins.sh) serving a test control plane through its
 * kubernetes plugin, on 127.0.0.1 — the reference implementation ordinal's DNS is compared with.
 *
 * The kubernetes plugin reads only discovery.k8s.io/v1 EndpointSlices and skips endpoints whose
 * `conditions.ready` is false (plugin/kubernetes README, "Monitoring Kubernetes Endpoints"); it
 * honours `kubeconfig` even without `endpoint` (setup.go). Readiness comes from the `ready`
 * plugin, which reports 200 only once the kubernetes plugin has synced its caches.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../../src/log.ts';
import { silentLogger } from '../../../src/log.ts';
import { requireBins } from './bins.ts';
import { diedError, startDaemon } from './daemon.ts';
import { freeDnsPort, freePort, httpGet, waitFor } from './util.ts';

export type CoreDNSOptions = {
  kubeconfigPath: string;
  /** Cluster domain served by the kubernetes plugin; default cluster.local. */
  zone?: string;
  /** Record TTL in seconds (kubernetes plugin `ttl`, 0–3600); default 5, CoreDNS' own default. */
  ttl?: number;
  /** UDP+TCP port on 127.0.0.1; default: a free one. */
  port?: number;
  /** kubernetes plugin `pods` mode; default `insecure`, as kubeadm's Corefile. */
  pods?: 'disabled' | 'insecure' | 'verified';
  /** Extra lines inside the kubernetes plugin block, e.g. `['endpoint_pod_names']`. */
  kubernetesOptions?: readonly string[];
  /**
   * Stub domains, as kube-dns' `stubDomains` / a CoreDNS `forward` block: zone → upstream
   * `host:port` list. Each becomes a server block on the same port, bound to 127.0.0.1.
   */
  stubDomains?: Readonly<Record<string, readonly string[]>>;
  /** Extra server blocks appended verbatim (give them `bind 127.0.0.1` too). */
  extraServerBlocks?: string;
  /** Extra directives in the main server block, e.g. `['transfer {', '    to *', '}']`. */
  serverDirectives?: readonly string[];
  log?: Logger;
  startTimeoutMs?: number;
};

export type CoreDNS = {
  port: number;
  corefilePath: string;
  logFile: string;
  stop(): Promise<void>;
};

/** The Corefile for a given configuration; pure, so its shape is testable without CoreDNS. */
export function corefile(o: {
  port: number;
  readyPort: number;
  kubeconfigPath: string;
  zone: string;
  ttl: number;
  pods?: 'disabled' | 'insecure' | 'verified';
  kubernetesOptions?: readonly string[];
  stubDomains?: Readonly<Record<string, readonly string[]>>;
  extraServerBlocks?: string;
  serverDirectives?: readonly string[];
}): string {
  if (!Number.isInteger(o.ttl) || o.ttl < 0 || o.ttl > 3600) throw new Error(`ttl must be an integer in 0..3600, got ${o.ttl}`);
  checkZone(o.zone);
  const extra = (o.kubernetesOptions ?? []).map((l) => `        ${l}\n`).join('');
  return (
    `.:${o.port} {\n` +
    '    bind 127.0.0.1\n' +
    '    errors\n' +
    (o.serverDirectives ?? []).map((l) => `    ${l}\n`).join('') +
    `    ready 127.0.0.1:${o.readyPort}\n` +
    `    kubernetes ${o.zone} in-addr.arpa ip6.arpa {\n` +
    `        kubeconfig ${o.kubeconfigPath}\n` +
    `        ttl ${o.ttl}\n` +
    `        pods ${o.pods ?? 'insecure'}\n` +
    '        fallthrough in-addr.arpa ip6.arpa\n' +
    extra +
    '    }\n' +
    '}\n' +
    stubBlocks(o.port, o.stubDomains ?? {}) +
    (o.extraServerBlocks ? `${o.extraServerBlocks}\n` : '')
  );
}

function checkZone(zone: string): void {
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(zone)) throw new Error(`invalid zone ${JSON.stringify(zone)}`);
}

function stubBlocks(port: number, stubs: Readonly<Record<string, readonly string[]>>): string {
  return Object.entries(stubs)
    .map(([zone, upstreams]) => {
      checkZone(zone);
      if (upstreams.length === 0 || upstreams.some((u) => !/^[0-9a-f.:[\]]+$/i.test(u))) {
        throw new Error(`stub domain ${zone}: upstreams must be IP[:port], got ${JSON.stringify(upstreams)}`);
      }
      return `${zone}:${port} {\n    bind 127.0.0.1\n    errors\n    forward . ${upstreams.join(' ')}\n}\n`;
    })
    .join('');
}

export async function startCoreDNS(opts: CoreDNSOptions): Promise<CoreDNS> {
  const log = (opts.log ?? silentLogger()).child({ component: 'e2e-coredns' });
  const { coredns } = requireBins(['coredns']);
  const port = opts.port ?? (await freeDnsPort());
  const readyPort = await freePort();
  // Validate (corefile throws on bad input) before anything is created on disk.
  const text = corefile({
    port,
    readyPort,
    kubeconfigPath: opts.kubeconfigPath,
    zone: opts.zone ?? 'cluster.local',
    ttl: opts.ttl ?? 5,
    pods: opts.pods,
    kubernetesOptions: opts.kubernetesOptions,
    stubDomains: opts.stubDomains,
    extraServerBlocks: opts.extraServerBlocks,
    serverDirectives: opts.serverDirectives,
  });
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-coredns-'));
  const corefilePath = join(dir, 'Corefile');
  const logFile = join(dir, 'coredns.log');
  writeFileSync(corefilePath, text);
  const d = startDaemon({ name: 'coredns', bin: coredns, args: ['-conf', corefilePath], logFile });
  const stop = async (): Promise<void> => {
    await d.stop();
    if (process.env.ORDINAL_E2E_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (d.hasExited()) throw diedError(d);
        return (await httpGet(`http://127.0.0.1:${readyPort}/ready`)).status === 200;
      },
      opts.startTimeoutMs ?? 30_000,
      { what: 'coredns /ready', intervalMs: 200 },
    );
  } catch (err) {
    const msg = `${(err as Error).message}\n--- coredns log ---\n${d.logTail()}`;
    await stop();
    throw new Error(msg);
  }
  log.info({ port, corefilePath }, 'coredns ready');
  return { port, corefilePath, logFile, stop };
}
