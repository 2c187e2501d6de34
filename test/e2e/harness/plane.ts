/**
 * @module A real Kubernetes control plane for e2e tests: etcd, kube-apiserver and a
 * kube-controller-manager that runs only the EndpointSlice, garbage-collector and namespace
 * controllers (no StatefulSet controller: ordinal's own is under test).
 *
 * Flags follow envtest's defaults (controller-runtime controlplane/apiserver.go) with token
 * authentication instead of client certificates; see /work/shared/reference/control-plane.md
 * §1.7 and §4.6. Nothing schedules or runs pods: tests bind pods and write their status
 * themselves, as a kubelet would.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../../src/log.ts';
import { silentLogger } from '../../../src/log.ts';
import { PLANE_BINS, requireBins } from './bins.ts';
import { diedError, startDaemon, type Daemon } from './daemon.ts';
import { distinctPorts, httpGet, run, waitFor, type RunOptions, type RunResult } from './util.ts';
import { waitForEndpointSliceController } from './probe.ts';

export type ControlPlane = {
  /** https://127.0.0.1:<port> */
  server: string;
  /** Bearer token of user `admin` in group system:masters. */
  token: string;
  /** PEM file the API server's serving certificate chains to. */
  caFile: string;
  /** The same PEM, base64-encoded (kubeconfig `certificate-authority-data`, client-node `caData`). */
  caData: string;
  kubeconfigPath: string;
  binDir: string;
  /** Scratch directory holding data, certificates and daemon logs (`<name>.log`). */
  dir: string;
  kubectl(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  kubeConfig(): KubeConfig;
  stop(): Promise<void>;
};

export type ControlPlaneOptions = {
  log?: Logger;
  startTimeoutMs?: number;
  /** Override default-route detection (tests the loopback fallback on hosts that have one). */
  defaultRoute?: boolean;
};

const CONTEXT = 'ordinal-e2e';

/** Kubeconfig as JSON (a YAML subset): read by kubectl, kube-controller-manager and CoreDNS. */
export function kubeconfigJson(server: string, caData: string, token: string): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: CONTEXT, cluster: { server, 'certificate-authority-data': caData } }],
      users: [{ name: 'admin', user: { token } }],
      contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: 'admin' } }],
      'current-context': CONTEXT,
    },
    null,
    2,
  );
}

function etcdArgs(dir: string, client: number, peer: number): string[] {
  const clientUrl = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  return [
    '--name=default',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=default=${peerUrl}`,
    // Test data is disposable; fsync dominates etcd latency on shared disks.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

/** True when /proc/net/route (Linux) lists an up default route: destination 0, flag RTF_UP. Pure. */
export function hasDefaultRoute(procNetRoute: string): boolean {
  return procNetRoute
    .split('\n')
    .slice(1)
    .some((line) => {
      const [, dest, , flags] = line.trim().split(/\s+/);
      return dest === '00000000' && (parseInt(flags ?? '0', 16) & 1) === 1;
    });
}

/**
 * kube-apiserver derives its advertise address from the default route when bound to loopback
 * and refuses to start without one. Loopback itself is rejected for the `kubernetes` Endpoints
 * (kubernetes#28723), so on a host without a default route advertise 127.0.0.1 and switch the
 * endpoint reconciler off instead (control-plane.md §1.7, kubernetes PR #138102).
 */
export function advertiseArgs(defaultRoute: boolean): string[] {
  return defaultRoute ? [] : ['--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none'];
}

function readRoutes(): string {
  try {
    return readFileSync('/proc/net/route', 'utf8');
  } catch {
    return '';
  }
}

function apiserverArgs(dir: string, etcdPort: number, port: number, defaultRoute: boolean): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    `--cert-dir=${join(dir, 'pki')}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    ...advertiseArgs(defaultRoute),
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    // The ServiceAccount admission plugin wants a `default` SA per namespace, made by a controller
    // we do not run (envtest disables it for the same reason).
    '--disable-admission-plugins=ServiceAccount',
    `--service-account-issuer=https://127.0.0.1:${port}`,
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--profiling=false',
  ];
}

function kcmArgs(kubeconfigPath: string): string[] {
  return [
    `--kubeconfig=${kubeconfigPath}`,
    '--controllers=endpointslice-controller,garbage-collector-controller,namespace-controller',
    '--leader-elect=false',
    // 0 = do not serve HTTPS at all; we probe the controller's effect instead of its healthz.
    '--secure-port=0',
    '--kube-api-qps=200',
    '--kube-api-burst=400',
  ];
}

function writeCredentials(dir: string): string {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const token = randomBytes(24).toString('hex');
  // token,user,uid,"group1,group2" (k8s.io/apiserver tokenfile.NewCSV)
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
  return token;
}

async function waitReady(d: Daemon, probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  await waitFor(
    async () => {
      if (d.hasExited()) throw diedError(d);
      return probe();
    },
    timeoutMs,
    { what, intervalMs: 250 },
  ).catch((err: unknown) => {
    if (d.hasExited()) throw diedError(d);
    throw new Error(`${(err as Error).message}\n--- ${d.name} log ---\n${d.logTail()}`);
  });
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = (opts.log ?? silentLogger()).child({ component: 'e2e-plane' });
  const timeout = opts.startTimeoutMs ?? 90_000;
  const bins = requireBins(PLANE_BINS);
  const binDirPath = bins.kubectl.slice(0, -'/kubectl'.length);
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-plane-'));
  mkdirSync(join(dir, 'pki'));
  const daemons: Daemon[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Reverse start order: clients first, etcd last.
    for (const d of [...daemons].reverse()) await d.stop();
    if (process.env.ORDINAL_E2E_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
    log.info({ dir }, 'control plane stopped');
  };

  try {
    const started = Date.now();
    const token = writeCredentials(dir);
    const [etcdPort, etcdPeer, apiPort] = (await distinctPorts(3)) as [number, number, number];

    const etcd = startDaemon({ name: 'etcd', bin: bins.etcd, args: etcdArgs(dir, etcdPort, etcdPeer), logFile: join(dir, 'etcd.log') });
    daemons.push(etcd);
    await waitReady(etcd, async () => (await httpGet(`http://127.0.0.1:${etcdPort}/health`)).body.includes('"health":"true"'), timeout, 'etcd /health');

    const api = startDaemon({
      name: 'kube-apiserver',
      bin: bins['kube-apiserver'],
      args: apiserverArgs(dir, etcdPort, apiPort, opts.defaultRoute ?? hasDefaultRoute(readRoutes())),
      logFile: join(dir, 'kube-apiserver.log'),
    });
    daemons.push(api);
    // The self-signed serving cert is the leaf followed by its CA (client-go util/cert), so the
    // whole file serves as the trust bundle.
    const caFile = join(dir, 'pki', 'apiserver.crt');
    const ca = await waitFor(() => {
      if (api.hasExited()) throw diedError(api);
      // The file is not written atomically: wait for both certificates.
      const pem = readFileSync(caFile, 'utf8');
      return pem.split('END CERTIFICATE').length > 2 && pem;
    }, timeout, { what: 'kube-apiserver serving certificate' });
    const server = `https://127.0.0.1:${apiPort}`;
    await waitReady(api, async () => (await httpGet(`${server}/readyz`, { ca, token })).status === 200, timeout, 'kube-apiserver /readyz');

    const caData = Buffer.from(ca).toString('base64');
    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfigJson(server, caData, token), { mode: 0o600 });

    const kcm = startDaemon({
      name: 'kube-controller-manager',
      bin: bins['kube-controller-manager'],
      args: kcmArgs(kubeconfigPath),
      logFile: join(dir, 'kube-controller-manager.log'),
    });
    daemons.push(kcm);

    const kubeConfig = (): KubeConfig => {
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfigJson(server, caData, token));
      return kc;
    };
    await waitForEndpointSliceController(kubeConfig(), () => {
      if (kcm.hasExited()) throw diedError(kcm);
    }, timeout).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n--- kube-controller-manager log ---\n${kcm.logTail()}`);
    });
    log.info({ server, dir, ms: Date.now() - started }, 'control plane ready');

    return {
      server,
      token,
      caFile,
      caData,
      kubeconfigPath,
      binDir: binDirPath,
      dir,
      kubectl: (args, o = {}) =>
        run(bins.kubectl, [`--kubeconfig=${kubeconfigPath}`, ...args], { ...o, env: { ...process.env, ...o.env, KUBECONFIG: kubeconfigPath } }),
      kubeConfig,
      stop,
    };
  } catch (err) {
    // Keep the logs of a failed start for the error message, then clean up everything.
    await stop();
    throw err;
  }
}
