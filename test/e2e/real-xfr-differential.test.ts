/**
 * Zone-transfer differential on a real control plane: CoreDNS 1.14 (kubernetes + transfer
 * plugins) and `ordinal serve --endpoints-from endpointslices --transfer-to 127.0.0.1` follow the
 * same cluster (the state of real-differential.test.ts), and `dig AXFR cluster.local` is taken
 * from both. The record sets (lower case, SOA serials masked) must be equal except for the
 * differences named in `expectedDifferences`, each with its reason; every listed difference
 * must actually occur, so the list stays true.
 */
import { spawnSync } from 'node:child_process';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoreDNS, type CoreDNS } from './harness/coredns.ts';
import { startControlPlane, type ControlPlane } from './harness/plane.ts';
import { waitFor } from './harness/util.ts';
import { createState } from './real/cluster-state.ts';
import { startOrdinalServe, type OrdinalServe } from './real/ordinal.ts';

const Z = 'cluster.local';

/** `dig AXFR` as normalised lines: owner type rdata, TTL kept, serial masked; the closing SOA dropped. */
function axfr(port: number): { lines: string[]; ok: boolean; raw: string } {
  const raw = spawnSync('dig', ['@127.0.0.1', '-p', String(port), '+time=5', '+tries=1', Z, 'AXFR', '+nocmd', '+nostats', '+nocomments'],
    { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
  const lines = raw.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(';')).map((l) => {
    const f = l.trim().toLowerCase().split(/\s+/);
    if (f[3] === 'soa') f[6] = 'SERIAL';
    return f.join(' ');
  });
  return { lines: [...new Set(lines)].sort(), ok: !raw.includes('Transfer failed') && lines.length > 2, raw };
}

type Side = 'coredns' | 'ordinal';
type Difference = { id: string; why: string; matches(line: string, side: Side, other: readonly string[]): boolean };

const field = (line: string, i: number): string => line.split(' ')[i] ?? '';
/** An SRV line without its weight, to pair records that differ only there. */
const unweighted = (line: string): string => { const f = line.split(' '); f.splice(5, 1); return f.join(' '); };
const isSrv = (line: string): boolean => field(line, 3) === 'srv';
/** `<svc>.<ns>.svc.<zone>.`: five labels under the root for cluster.local. */
const isServiceName = (name: string): boolean => /^[^.]+\.[^.]+\.svc\.cluster\.local\.$/.test(name);
/** A ClusterIP service's bare SRV targets the service itself (headless ones target endpoints). */
const isClusterIP = (svc: string, lines: readonly string[]): boolean => lines.some((l) => isSrv(l) && field(l, 0) === svc && field(l, 7) === svc);

const expectedDifferences: Difference[] = [
  {
    id: 'srv-weight', why: 'CoreDNS\'s transfer writes each SRV with weight 100 (it builds records one at a time), unlike its own answers; ordinal transfers the weights it answers, floor(100/N)',
    matches: (line, side, other) => isSrv(line) && (side === 'ordinal' || field(line, 5) === '100') && other.some((o) => isSrv(o) && unweighted(o) === unweighted(line)),
  },
  {
    id: 'clusterip-endpoint-names', why: 'ordinal transfers the <dashed-ip>.<svc> names it answers for the endpoints of ClusterIP services (the CoreDNS extension of dns.md B.3); CoreDNS\'s transfer leaves them out',
    matches: (line, side, _other) => side === 'ordinal' && /^\d+-\d+-\d+-\d+\./.test(line) && isClusterIP(line.slice(line.indexOf('.') + 1).split(' ')[0]!, ordinalLines),
  },
  {
    id: 'endpoint-srv', why: 'ordinal answers and transfers the SRV at an endpoint name (targeting itself); CoreDNS\'s transfer leaves it out',
    matches: (line, side) => side === 'ordinal' && isSrv(line) && field(line, 0) === field(line, 7) && !isServiceName(field(line, 0)),
  },
  {
    id: 'headless-service-srv', why: 'ordinal transfers the bare SRV of a headless service (every peer; what the kubia app asks); CoreDNS\'s transfer leaves it out',
    matches: (line, side) => side === 'ordinal' && isSrv(line) && isServiceName(field(line, 0)) && field(line, 0) !== field(line, 7),
  },
  {
    id: 'apex-ns', why: 'ordinal transfers the apex NS ns.dns.<zone> with its glue, which BIND requires (coredns #1987); CoreDNS bound to loopback transfers no NS',
    matches: (line, side) => side === 'ordinal' && (line.startsWith(`${Z}. 5 in ns `) || line.startsWith(`ns.dns.${Z}. `)),
  },
  {
    id: 'dns-version', why: 'ordinal transfers the schema TXT dns-version.<zone> (spec §2.2) it answers; CoreDNS\'s transfer leaves it out',
    matches: (line, side) => side === 'ordinal' && line.startsWith(`dns-version.${Z}. `),
  },
];
let ordinalLines: readonly string[] = [];

let plane: ControlPlane | undefined;
let coredns: CoreDNS | undefined;
let ordinal: OrdinalServe | undefined;

beforeAll(async () => {
  plane = await startControlPlane();
  await createState(plane.kubeConfig().makeApiClient(CoreV1Api));
  [coredns, ordinal] = await Promise.all([
    startCoreDNS({ kubeconfigPath: plane.kubeconfigPath, ttl: 5, serverDirectives: ['transfer {', '    to *', '}'] }),
    startOrdinalServe(plane.kubeconfigPath, ['--ttl', '5', '--transfer-to', '127.0.0.1']),
  ]);
});

afterAll(async () => {
  await ordinal?.stop();
  await coredns?.stop();
  await plane?.stop();
});

describe('AXFR of the same real cluster: ordinal and CoreDNS transfer', () => {
  it('hold the same records apart from the documented differences', async () => {
    const o = await waitFor(() => { const r = axfr(ordinal!.port); return r.ok ? r : undefined; }, 10_000, { what: 'ordinal AXFR' });
    const c = await waitFor(() => { const r = axfr(coredns!.port); return r.ok ? r : undefined; }, 10_000, { what: 'CoreDNS AXFR' });
    ordinalLines = o.lines;
    const onlyC = c.lines.filter((l) => !o.lines.includes(l));
    const onlyO = o.lines.filter((l) => !c.lines.includes(l));
    const used = new Map<string, number>();
    const unexplained: string[] = [];
    for (const [side, lines, other] of [['coredns', onlyC, onlyO], ['ordinal', onlyO, onlyC]] as const) {
      for (const line of lines) {
        const d = expectedDifferences.find((e) => e.matches(line, side, other));
        if (d) used.set(d.id, (used.get(d.id) ?? 0) + 1);
        else unexplained.push(`only ${side}: ${line}`);
      }
    }
    const same = o.lines.filter((l) => c.lines.includes(l)).length;
    console.log(`AXFR: ${same} records identical; ${[...used].map(([id, n]) => `${id}×${n}`).join(' ')}\n${[...onlyC.map((l) => `  only coredns: ${l}`), ...onlyO.map((l) => `  only ordinal: ${l}`)].join('\n')}`);
    expect(unexplained).toEqual([]);
    expect([...used.keys()].sort()).toEqual(expectedDifferences.map((e) => e.id).sort());
    expect(same).toBeGreaterThan(20);
  });
});
