/**
 * @module Where the API server is and how to authenticate: a kubeconfig file (with an optional
 * context), else $KUBECONFIG / ~/.kube/config, else the in-cluster service account.
 * Every failure names what was tried, because "no cluster" is the most common first-run error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isIPv6 } from 'node:net';
// The module that defines KubeConfig, not the package index, which loads every typed API too
// (bin/slim-client-node.js trims the rest; bench/RESULTS.md, "Footprint").
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export class KubeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeConfigError';
  }
}

export interface LoadKubeConfigOptions {
  /** Explicit kubeconfig path (--kubeconfig). */
  kubeconfig?: string;
  /** Context to use instead of the file's current-context (--context). */
  context?: string;
  /** Environment to read KUBECONFIG / KUBERNETES_SERVICE_* from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Home directory for ~/.kube/config (default os.homedir()). */
  home?: string;
  /** Service-account directory (default the in-cluster mount; tests override it). */
  serviceAccountDir?: string;
}

function fromFile(path: string): KubeConfig {
  if (!existsSync(path)) throw new KubeConfigError(`kubeconfig ${path} does not exist`);
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (err) {
    throw new KubeConfigError(`kubeconfig ${path} is invalid: ${(err as Error).message}`);
  }
  return kc;
}

/**
 * In-cluster config, as client-go's rest.InClusterConfig: https://$KUBERNETES_SERVICE_HOST:PORT,
 * the mounted CA, and the token file re-read on use (bound service-account tokens rotate).
 */
function inCluster(env: Record<string, string | undefined>, dir: string): KubeConfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return undefined;
  for (const f of ['token', 'ca.crt']) {
    if (!existsSync(join(dir, f))) {
      throw new KubeConfigError(`running in a cluster (KUBERNETES_SERVICE_HOST=${host}) but ${join(dir, f)} is missing; is automountServiceAccountToken disabled?`);
    }
  }
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  const namespaceFile = join(dir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile: join(dir, 'ca.crt'), skipTLSVerify: false }],
    users: [{ name: 'service-account', authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'service-account', namespace }],
    currentContext: 'in-cluster',
  });
  return kc;
}

function selectContext(kc: KubeConfig, context: string | undefined, source: string): void {
  if (context) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(context)) {
      throw new KubeConfigError(`context "${context}" not found in ${source}; available: ${names.join(', ') || '(none)'}`);
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentContext()) throw new KubeConfigError(`${source} has no current-context; pass --context`);
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new KubeConfigError(`context "${kc.getCurrentContext()}" in ${source} has no cluster with a server URL`);
}

/** Resolve the API connection. Throws KubeConfigError with a message fit for the terminal. */
export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): KubeConfig {
  const env = opts.env ?? process.env;
  const tried: string[] = [];
  let path = opts.kubeconfig;
  if (!path && env.KUBECONFIG) path = env.KUBECONFIG.split(delimiter).find((p) => p);
  if (!path) {
    const home = join(opts.home ?? homedir(), '.kube', 'config');
    if (existsSync(home)) path = home;
    else tried.push(home);
  }
  if (path) {
    const kc = fromFile(path);
    selectContext(kc, opts.context, path);
    return kc;
  }
  const kc = inCluster(env, opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  if (kc) {
    if (opts.context) throw new KubeConfigError(`--context "${opts.context}" given but no kubeconfig was found (tried ${tried.join(', ')})`);
    return kc;
  }
  tried.push('in-cluster service account (KUBERNETES_SERVICE_HOST unset)');
  throw new KubeConfigError(`no Kubernetes API configured: pass --kubeconfig, set KUBECONFIG, or run in a cluster (tried ${tried.join('; ')})`);
}
