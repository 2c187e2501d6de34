/**
 * End to end with dig: `ordinal serve --manifests` serving pod records (`--pods insecure` and
 * `--pods verified`) and the expected-name rule: a StatefulSet peer that is not Ready yet gets
 * NXDOMAIN whose SOA has TTL and MINIMUM `--expected-negative-ttl` (RFC 2308 §5), while other
 * NXDOMAINs keep the zone's SOA (TTL and MINIMUM `--ttl`). dig must be installed (bind9-dnsutils).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from './harness/dig.ts';
import { startServe, type Served } from './harness/serve.ts';


const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: {name: db}
---
apiVersion: v1
kind: Service
metadata: {name: pg, namespace: db}
spec: {clusterIP: None, selector: {app: pg}, ports: [{name: pg, port: 5432}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: pg, namespace: db}
spec:
  serviceName: pg
  replicas: 3
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: pg}}
  template: {metadata: {labels: {app: pg}}, spec: {containers: [{name: pg, image: postgres}]}}
---
apiVersion: v1
kind: Pod
metadata: {name: pg-0, namespace: db, labels: {app: pg}}
spec: {hostname: pg-0, subdomain: pg, containers: [{name: pg, image: postgres}]}
status: {phase: Running, podIP: 10.244.7.10, podIPs: [{ip: 10.244.7.10}, {ip: "fd00::7:10"}], conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: pg-1, namespace: db, labels: {app: pg}}
spec: {hostname: pg-1, subdomain: pg, containers: [{name: pg, image: postgres}]}
status: {phase: Running, podIP: 10.244.7.11, conditions: [{type: Ready, status: "False"}]}
`;

const servers: Served[] = [];

async function serve(file: string, extra: string[]): Promise<number> {
  const served = await startServe(['--manifests', file, '--ttl', '30', ...extra]);
  servers.push(served);
  return served.port;
}

let insecure = 0;
let verified = 0;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ordinal-podrec-'));
  const file = path.join(dir, 'pg.yaml');
  await writeFile(file, MANIFEST);
  // Default --expected-negative-ttl (0) on one; the rule off (= --ttl) on the other.
  [insecure, verified] = await Promise.all([
    serve(file, ['--pods', 'insecure']),
    serve(file, ['--pods', 'verified', '--expected-negative-ttl', '30']),
  ]);
});
afterAll(() => { for (const s of servers) s.proc.kill('SIGTERM'); });

const P = 'db.pod.cluster.local';
const soa = (ttl: number, min: number): RegExp =>
  new RegExp(`^cluster\\.local\\. ${ttl} SOA ns\\.dns\\.cluster\\.local\\. hostmaster\\.cluster\\.local\\. \\d+ 7200 1800 86400 ${min}$`);

describe('pod records with dig', () => {
  it.each([
    { mode: 'insecure', name: `10-244-7-10.${P}`, type: 'A', answers: [`10-244-7-10.${P}. 30 A 10.244.7.10`] },
    { mode: 'verified', name: `10-244-7-10.${P}`, type: 'A', answers: [`10-244-7-10.${P}. 30 A 10.244.7.10`] },
    { mode: 'insecure', name: `fd00--7-10.${P}`, type: 'AAAA', answers: [`fd00--7-10.${P}. 30 AAAA fd00::7:10`] },
    { mode: 'verified', name: `fd00--7-10.${P}`, type: 'AAAA', answers: [`fd00--7-10.${P}. 30 AAAA fd00::7:10`] },
    { mode: 'insecure', name: `1-2-3-4.${P}`, type: 'A', answers: [`1-2-3-4.${P}. 30 A 1.2.3.4`] },
    { mode: 'verified', name: `1-2-3-4.${P}`, type: 'A', status: 'NXDOMAIN' },
    { mode: 'insecure', name: `10-244-7-10.${P}`, type: 'AAAA', status: 'NOERROR' },
    { mode: 'insecure', name: `10-244-7-10.nope.pod.cluster.local`, type: 'A', status: 'NXDOMAIN' },
    { mode: 'insecure', name: P, type: 'A', status: 'NOERROR' },
    { mode: 'verified', name: `x.10-244-7-10.${P}`, type: 'A', status: 'NXDOMAIN' },
  ])('$mode: $name $type', async ({ mode, name, type, answers, status }) => {
    const r = await dig(mode === 'insecure' ? insecure : verified, name, type);
    expect(r.flags).toContain('aa');
    if (answers) {
      expect(r).toMatchObject({ status: 'NOERROR', answers });
    } else {
      expect(r).toMatchObject({ status, answers: [] });
      expect(r.authority).toHaveLength(1);
      expect(r.authority[0]).toMatch(soa(30, 30));
    }
  });

  it('also over TCP', async () => {
    expect((await dig(insecure, `10-244-7-11.${P}`, 'A', { tcp: true })).answers).toEqual([`10-244-7-11.${P}. 30 A 10.244.7.11`]);
  });
});

describe('expected names with dig', () => {
  it.each([
    { name: 'pg-1.pg.db.svc.cluster.local', why: 'its pod exists but is not Ready', expected: true },
    { name: 'pg-2.pg.db.svc.cluster.local', why: 'a StatefulSet ordinal with no pod yet', expected: true },
    { name: 'pg-3.pg.db.svc.cluster.local', why: 'beyond spec.replicas', expected: false },
    { name: 'other.pg.db.svc.cluster.local', why: 'nobody announces it', expected: false },
  ])('$name: $why', async ({ name, expected }) => {
    for (const type of ['A', 'SRV']) {
      const r = await dig(insecure, name, type);
      expect(r).toMatchObject({ status: 'NXDOMAIN', answers: [] });
      expect(r.authority[0]).toMatch(expected ? soa(0, 0) : soa(30, 30));
      // With --expected-negative-ttl equal to --ttl the rule is off.
      expect((await dig(verified, name, type)).authority[0]).toMatch(soa(30, 30));
    }
  });

  it('a Ready peer is answered as usual', async () => {
    expect((await dig(insecure, 'pg-0.pg.db.svc.cluster.local')).answers).toEqual(['pg-0.pg.db.svc.cluster.local. 30 A 10.244.7.10']);
  });
});
