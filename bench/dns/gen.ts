/**
 * Benchmark data generator: one cluster, written twice — as Kubernetes manifests for
 * `ordinal serve --manifests` and as a Knot zone file holding the records ordinal derives
 * from them — plus the dnsperf query files.
 *
 * Cluster (as in shared/reference/performance.md): headless Service `web.default` with 100
 * Ready pods `web-N`, and 1000 headless Services `svc-K` in namespace `ns-(K%10)` with 3
 * pods each. Every Service has one named port `http` (80 -> 8080/TCP).
 *
 * Usage: node_modules/.bin/node bench/dns/gen.ts [outDir=bench/out] [--ns-address 127.0.0.1]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rng } from '../../test/helpers/rng.ts';

const ZONE = 'cluster.local';
const TTL = 5;
const WEB_PODS = 100;
const SERVICES = 1000;
const PODS_PER_SVC = 3;
const TARGET_PORT = 8080;

interface Svc { ns: string; name: string; pods: Array<{ host: string; ip: string }> }

const args = process.argv.slice(2);
const nsAddrAt = args.indexOf('--ns-address');
const nsAddress = nsAddrAt >= 0 ? args[nsAddrAt + 1]! : '127.0.0.1';
const outDir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--ns-address') ?? 'bench/out';

const rand = rng(20261124);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

function services(): Svc[] {
  const web: Svc = { ns: 'default', name: 'web', pods: [] };
  for (let i = 0; i < WEB_PODS; i++) web.pods.push({ host: `web-${i}`, ip: `10.1.0.${i + 1}` });
  const out = [web];
  for (let k = 0; k < SERVICES; k++) {
    const s: Svc = { ns: `ns-${k % 10}`, name: `svc-${k}`, pods: [] };
    for (let i = 0; i < PODS_PER_SVC; i++) {
      const n = k * PODS_PER_SVC + i + 1;
      s.pods.push({ host: `svc-${k}-${i}`, ip: `10.2.${n >> 8}.${n & 255}` });
    }
    out.push(s);
  }
  return out;
}

function manifests(svcs: readonly Svc[]): object {
  const items: object[] = [];
  for (const ns of new Set(svcs.map((s) => s.ns))) items.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const s of svcs) {
    items.push({
      apiVersion: 'v1', kind: 'Service', metadata: { name: s.name, namespace: s.ns },
      spec: {
        clusterIP: 'None', clusterIPs: ['None'], selector: { app: s.name },
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: TARGET_PORT }],
      },
    });
    for (const p of s.pods) {
      items.push({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: p.host, namespace: s.ns, labels: { app: s.name } },
        spec: { hostname: p.host, subdomain: s.name, containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: TARGET_PORT }] }] },
        status: { phase: 'Running', podIP: p.ip, podIPs: [{ ip: p.ip }], conditions: [{ type: 'Ready', status: 'True' }] },
      });
    }
  }
  return { apiVersion: 'v1', kind: 'List', items };
}

/**
 * The records ordinal serves for this cluster. SRV weight is floor(100/N) (src/zone/lookup.ts
 * header); A glue for SRV targets is added by knotd itself from the in-zone A records.
 * The SOA serial is ordinal's own (derived at build time), so the comparison ignores it.
 */
function zoneFile(svcs: readonly Svc[]): string {
  const L: string[] = [
    `$ORIGIN ${ZONE}.`,
    `$TTL ${TTL}`,
    `@ ${TTL} IN SOA ns.dns.${ZONE}. hostmaster.${ZONE}. 1 7200 1800 86400 ${TTL}`,
    `@ ${TTL} IN NS ns.dns.${ZONE}.`,
    `ns.dns ${TTL} IN A ${nsAddress}`,
    `dns-version 28800 IN TXT "1.1.0"`,
  ];
  for (const s of svcs) {
    const base = `${s.name}.${s.ns}.svc`;
    const weight = Math.floor(100 / s.pods.length);
    for (const p of s.pods) {
      L.push(`${p.host}.${base} ${TTL} IN A ${p.ip}`);
      L.push(`${base} ${TTL} IN A ${p.ip}`);
    }
    for (const p of s.pods) {
      const target = `${p.host}.${base}.${ZONE}.`;
      L.push(`_http._tcp.${base} ${TTL} IN SRV 0 ${weight} ${TARGET_PORT} ${target}`);
      L.push(`${base} ${TTL} IN SRV 0 ${weight} ${TARGET_PORT} ${target}`);
    }
  }
  return L.join('\n') + '\n';
}

function queryFiles(svcs: readonly Svc[]): Record<string, string[]> {
  const [web, ...small] = svcs as [Svc, ...Svc[]];
  const fq = (s: Svc): string => `${s.name}.${s.ns}.svc.${ZONE}`;
  const podNames = svcs.flatMap((s) => s.pods.map((p) => `${p.host}.${fq(s)} A`));
  const pods = shuffle([...podNames, ...podNames, ...podNames]);
  const srv100 = [`_http._tcp.${fq(web)} SRV`];
  const svca100 = [`${fq(web)} A`];
  // Mix (c): exact shares of 10,000 lines, then shuffled.
  const mix: string[] = [];
  const add = (n: number, f: (i: number) => string): void => { for (let i = 0; i < n; i++) mix.push(f(i)); };
  add(5000, () => pick(podNames));
  add(2000, () => `${fq(pick(small))} A`);
  add(1500, () => `_http._tcp.${fq(pick(small))} SRV`);
  add(250, () => svca100[0]!);
  add(250, () => srv100[0]!);
  // NXDOMAIN: a missing endpoint under an existing service, and a missing service.
  add(1000, (i) => (i % 2 ? `nx-${i}.${fq(pick(small))} A` : `nosvc-${i}.ns-${i % 10}.svc.${ZONE} A`));
  return { 'pods.txt': pods, 'srv100.txt': srv100, 'svca100.txt': svca100, 'mix.txt': shuffle(mix) };
}

const svcs = services();
mkdirSync(path.join(outDir, 'manifests'), { recursive: true });
mkdirSync(path.join(outDir, 'knot'), { recursive: true });
mkdirSync(path.join(outDir, 'q'), { recursive: true });
writeFileSync(path.join(outDir, 'manifests', 'cluster.json'), JSON.stringify(manifests(svcs)));
writeFileSync(path.join(outDir, 'knot', `${ZONE}.zone`), zoneFile(svcs));
for (const [name, lines] of Object.entries(queryFiles(svcs))) writeFileSync(path.join(outDir, 'q', name), lines.join('\n') + '\n');
const pods = svcs.reduce((n, s) => n + s.pods.length, 0);
console.log(`wrote ${outDir}: ${svcs.length} services, ${pods} pods, zone ${ZONE}, query files pods/srv100/svca100/mix`);
