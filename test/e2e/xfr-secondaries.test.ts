// Zone transfer to real secondaries: `ordinal local` as the primary of cluster.local with TSIG
// required, Knot DNS (knotd) and BIND 9 (named) as secondaries, run as our own processes on
// high ports with their configuration in a temp dir. Under churn (a StatefulSet scaling, pods
// flipping readiness), each secondary must reach ordinal's serial within 2 s of ordinal sealing
// it, and then serve exactly ordinal's records: the same AXFR, and the same answers to 200
// queries. Needs dig, kubectl (scripts/build-e2e-bins.sh) and the Debian packages knot and bind9.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQuery, decode, udpExchange } from '../helpers/dns-client.ts';
import { startLocalCluster, type LocalCluster } from './local-cluster.ts';
import { distinctPorts, sleep, waitFor } from './harness/util.ts';

const ZONE = 'cluster.local';
const SECRET = randomBytes(32).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'ordinal-xfr-'));
let cluster: LocalCluster;
const procs: ChildProcess[] = [];
let knotPort = 0, bindPort = 0;
let logs = '';

function need(bin: string, pkg: string): void {
  if (spawnSync(bin, ['-V'], { encoding: 'utf8' }).error) throw new Error(`${bin} is not installed: apt-get install -y ${pkg}`);
}

function daemon(cmd: string, args: string[]): void {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout!.on('data', (d) => { logs += d; });
  p.stderr!.on('data', (d) => { logs += d; });
  procs.push(p);
}

function knotConf(primary: number): string {
  return ['server:', `    rundir: "${dir}/knot"`, `    listen: 127.0.0.1@${knotPort}`, 'log:', '  - target: stderr', '    any: info',
    'database:', `    storage: "${dir}/knot"`, 'key:', '  - id: xfr', '    algorithm: hmac-sha256', `    secret: ${SECRET}`,
    'remote:', '  - id: primary', `    address: 127.0.0.1@${primary}`, '    key: xfr', 'acl:', '  - id: notify_in', '    address: 127.0.0.1',
    '    key: xfr', '    action: notify', '  - id: transfer_out', '    address: 127.0.0.1', '    action: transfer',
    'zone:', `  - domain: ${ZONE}`, `    storage: "${dir}/knot"`, '    master: primary', '    acl: [notify_in, transfer_out]', ''].join('\n');
}

function namedConf(primary: number): string {
  return `options { directory "${dir}/bind"; pid-file "${dir}/bind/named.pid"; session-keyfile "${dir}/bind/session.key";
  listen-on port ${bindPort} { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; dnssec-validation no; notify no; allow-transfer { 127.0.0.1; }; };
key "xfr" { algorithm hmac-sha256; secret "${SECRET}"; };
zone "${ZONE}" { type secondary; primaries { 127.0.0.1 port ${primary} key "xfr"; }; file "${ZONE}.db"; };
`;
}

const dig = (port: number, ...args: string[]): string =>
  spawnSync('dig', [`@127.0.0.1`, '-p', String(port), '+time=2', '+tries=1', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
const signed = ['-y', `hmac-sha256:xfr:${SECRET}`];

/** The zone as sorted presentation lines (AXFR over TCP, signed towards ordinal); the closing SOA dropped. */
function axfr(port: number): string[] {
  const out = dig(port, ...(port === cluster.dnsPort ? signed : []), ZONE, 'AXFR', '+nocomments', '+nostats', '+nocmd');
  const lines = out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(';') && !/\sTSIG\s/.test(l)).map((l) => l.split(/\s+/).join(' '));
  return [...new Set(lines)].sort();
}

async function serial(port: number): Promise<number> {
  try {
    const r = decode(await udpExchange(port, buildQuery(ZONE, 6, { rd: false }), '127.0.0.1', 500));
    return Number((r.answers[0] as unknown as { serial?: number } | undefined)?.serial ?? 0);
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  need('knotd', 'knot');
  need('named', 'bind9');
  need('dig', 'bind9-dnsutils');
  const ports = await distinctPorts(2);
  knotPort = ports[0]!;
  bindPort = ports[1]!;
  writeFileSync(join(dir, 'xfr.key'), `key "xfr" {\n\talgorithm hmac-sha256;\n\tsecret "${SECRET}";\n};\n`);
  cluster = await startLocalCluster(['--transfer-to', `127.0.0.1:${knotPort}`, '--transfer-to', `127.0.0.1:${bindPort}`,
    '--tsig-key', `xfr:hmac-sha256:${join(dir, 'xfr.key')}`, '--require-tsig', '--ready-delay', '300ms']);
  for (const d of ['knot', 'bind']) spawnSync('mkdir', ['-p', join(dir, d)]);
  writeFileSync(join(dir, 'knot.conf'), knotConf(cluster.dnsPort));
  writeFileSync(join(dir, 'named.conf'), namedConf(cluster.dnsPort));
  daemon('knotd', ['-c', join(dir, 'knot.conf')]);
  daemon('named', ['-g', '-c', join(dir, 'named.conf')]);
  // The kubia example: two pods Ready, then both secondaries hold ordinal's serial.
  await waitFor(async () => (await peers(cluster.dnsPort)).includes('kubia-1') || undefined, 60_000, { what: 'kubia-1 in DNS' });
  await sleep(1500); // sealed, and the zone quiet
  await waitFor(async () => {
    const want = await serial(cluster.dnsPort);
    return want > 0 && (await serial(knotPort)) === want && (await serial(bindPort)) === want ? true : undefined;
  }, 30_000, { what: `secondaries to load the zone; logs:\n${logs.slice(-3000)}` });
}, 180_000);

afterAll(async () => {
  if (process.env.XFR_LOGS) writeFileSync(process.env.XFR_LOGS, logs);
  for (const p of procs) p.kill('SIGTERM');
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('zone transfer to Knot and BIND', () => {
  it('dig AXFR and IXFR against ordinal: signed, SOA first and last; unsigned REFUSED (--require-tsig)', () => {
    const out = dig(cluster.dnsPort, ...signed, ZONE, 'AXFR');
    const soa = out.split('\n').filter((l) => /\sIN\s+SOA\s/.test(l));
    expect(soa).toHaveLength(2);
    expect(out).toMatch(/XFR size: \d+ records/);
    expect(out).not.toContain('Transfer failed');
    const s = /SOA\s+\S+\s+\S+\s+(\d+)/.exec(soa[0]!)![1]!;
    const ixfr = dig(cluster.dnsPort, ...signed, ZONE, `IXFR=${s}`);
    expect(ixfr).toMatch(/XFR size: 1 records/);
    expect(dig(cluster.dnsPort, ZONE, 'AXFR')).toContain('Transfer failed');
  });

  it('under churn both secondaries reach each new serial within 2 s, then hold exactly the same records and answers', async () => {
    // Bursts of changes with pauses between them: each burst's last change must reach the secondaries within 2 s.
    const churn = async (): Promise<void> => {
      await cluster.k('scale', 'sts', 'kubia', '--replicas=4');
      await sleep(3000);
      await cluster.k('annotate', 'pod', 'kubia-0', 'sim.ordinal.dev/ready=false', '--overwrite');
      await sleep(300);
      await cluster.k('annotate', 'pod', 'kubia-1', 'sim.ordinal.dev/ready=false', '--overwrite');
      await sleep(3000);
      await cluster.k('annotate', 'pod', 'kubia-0', 'sim.ordinal.dev/ready=true', '--overwrite');
      await cluster.k('annotate', 'pod', 'kubia-1', 'sim.ordinal.dev/ready=true', '--overwrite');
      await cluster.k('scale', 'sts', 'kubia', '--replicas=3');
    };
    const churning = churn();
    // Watch the peer list (SRV) on ordinal and on both secondaries every 50 ms until ordinal has
    // been quiet for 4 s. Each time ordinal's answer changes, the secondaries must show the same
    // answer within 2 s (ordinal seals a serial at the next second boundary, then NOTIFYs).
    const lags: number[] = [];
    let seen = await peers(cluster.dnsPort);
    let changedAt = Date.now();
    let caughtUp = false;
    while (Date.now() - changedAt < 4000) {
      const cur = await peers(cluster.dnsPort);
      const now = Date.now();
      if (cur !== seen) {
        seen = cur;
        changedAt = now;
        caughtUp = false;
      } else if (!caughtUp && (await peers(knotPort)) === cur && (await peers(bindPort)) === cur) {
        caughtUp = true;
        lags.push(Date.now() - changedAt);
      }
      await sleep(50);
    }
    await churning;
    expect(caughtUp).toBe(true);
    expect(lags.length).toBeGreaterThan(2);
    expect(Math.max(...lags)).toBeLessThan(2000);
    console.log(`secondaries caught up with ordinal ${lags.length} times; lags in ms: ${lags.join(', ')}`);
    const want = axfr(cluster.dnsPort);
    expect(want.some((l) => l.startsWith('kubia-2.kubia.default.svc.cluster.local.'))).toBe(true);
    expect(axfr(knotPort)).toEqual(want);
    expect(axfr(bindPort)).toEqual(want);
    await compareAnswers(want);
    // Both took NOTIFYs signed with the key; Knot followed them with incremental transfers.
    expect(logs).toMatch(/notify, incoming, remote 127\.0\.0\.1@\d+, serial \d+/);
    expect(logs).toMatch(/IXFR, incoming, remote 127\.0\.0\.1@\d+, finished/);
    expect(logs).toMatch(/received notify for zone 'cluster\.local': TSIG 'xfr'/);
    expect(logs).toMatch(/transferred serial \d+: TSIG 'xfr'/);
  }, 120_000);
});

/** The SRV peer list of kubia, as one comparable string. */
async function peers(port: number): Promise<string> {
  try {
    const m = await udpExchange(port, buildQuery(`kubia.default.svc.${ZONE}`, 33, { rd: false, edns: { udpSize: 4096 } }), '127.0.0.1', 500);
    return `${m[3]! & 0x0f} ${decode(m).answers.map((a) => JSON.stringify(a)).sort().join(' ')}`;
  } catch {
    return 'timeout';
  }
}

/** 200 questions over the zone's names (and absent ones): rcode and sorted answers must match. */
async function compareAnswers(zone: string[]): Promise<void> {
  const names = [...new Set(zone.map((l) => l.split(' ')[0]!.replace(/\.$/, '')))];
  const types = [1, 28, 33, 6, 2, 16, 5];
  const questions: Array<[string, number]> = [];
  for (let i = 0; questions.length < 200; i++) {
    const name = i % 10 === 9 ? `absent-${i}.kubia.default.svc.${ZONE}` : names[i % names.length]!;
    questions.push([name, types[i % types.length]!]);
  }
  const show = async (port: number, q: [string, number]): Promise<string> => {
    const m = await udpExchange(port, buildQuery(q[0], q[1], { rd: false, edns: { udpSize: 4096 } }));
    const p = decode(m);
    return `${m[3]! & 0x0f} ${p.answers.map((a) => JSON.stringify(a)).sort().join(' ')}`;
  };
  const diffs: string[] = [];
  for (const q of questions) {
    const want = await show(cluster.dnsPort, q);
    for (const [who, port] of [['knot', knotPort], ['bind', bindPort]] as const) {
      const got = await show(port, q);
      if (got !== want) diffs.push(`${who} ${q[0]} ${q[1]}: ${got} != ${want}`);
    }
  }
  expect(diffs).toEqual([]);
}
