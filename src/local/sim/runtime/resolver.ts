/**
 * @module Name resolution inside a simulated pod: ordinal's own DNS server is the pod's
 * nameserver, with the search path a kubelet writes into resolv.conf (`<ns>.svc.<zone>
 * svc.<zone> <zone>`, ndots 5). Errors read as Node's would inside the real container
 * (`querySrv ENOTFOUND name`, `getaddrinfo ENOTFOUND name`).
 */
import type { SrvRecord } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { WorkloadEnv } from './workload.ts';

/** The search list of a ClusterFirst pod (kubelet's dns.go). */
export function searchPath(namespace: string, zone: string): string[] {
  return [`${namespace}.svc.${zone}`, `svc.${zone}`, zone];
}

/** Candidate names in resolver order: fewer than ndots dots means the search list goes first. */
export function candidates(name: string, search: readonly string[], ndots = 5): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  const searched = search.map((s) => `${name}.${s}`);
  return dots >= ndots ? [name, ...searched] : [...searched, name];
}

function resolverFor(env: WorkloadEnv): Resolver {
  const server = env.dnsServer();
  if (!server) {
    const err = new Error('no nameserver configured') as Error & { code: string };
    err.code = 'ECONNREFUSED';
    throw err;
  }
  const r = new Resolver({ timeout: 2000, tries: 2 });
  r.setServers([server]);
  return r;
}

/** SRV lookup as the peers app does it (`dns.resolveSrv`: the name is absolute, no search). */
export async function resolveSrv(env: WorkloadEnv, name: string): Promise<SrvRecord[]> {
  return resolverFor(env).resolveSrv(name);
}

/** A host name to one IPv4 address, through the search path, as getaddrinfo would. */
export async function lookupHost(env: WorkloadEnv, host: string): Promise<string> {
  if (isIP(host)) return host;
  const r = resolverFor(env);
  for (const name of candidates(host, searchPath(env.namespace, env.zone))) {
    try {
      const [ip] = await r.resolve4(name);
      if (ip) return ip;
    } catch {
      // next candidate
    }
  }
  const err = new Error(`getaddrinfo ENOTFOUND ${host}`) as Error & { code: string };
  err.code = 'ENOTFOUND';
  throw err;
}
