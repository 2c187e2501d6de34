// dig as the transfer client of `ordinal serve --manifests` with a 3,000-pod headless service:
// a multi-message AXFR whose every message is TSIG-signed (dig verifies each one), IXFR=N with
// the current serial (a single SOA), BADKEY/BADSIG/BADTIME-free success, and REFUSED without
// a key when --require-tsig is set. dig must be installed (bind9-dnsutils).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigService, startServe } from './harness/serve.ts';

const SECRET = randomBytes(64).toString('base64');
let proc: ChildProcess;
let port = 0;


const dig = (...args: string[]): string =>
  spawnSync('dig', ['@127.0.0.1', '-p', String(port), '+time=5', '+tries=1', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
const key = ['-y', `hmac-sha512:xfr.example:${SECRET}`];

beforeAll(async () => {
  if (spawnSync('dig', ['-v']).error) throw new Error('dig is not installed: apt-get install -y bind9-dnsutils');
  const dir = await mkdtemp(path.join(tmpdir(), 'ordinal-xfr-dig-'));
  await writeFile(path.join(dir, 'big.yaml'), bigService(3000));
  await writeFile(path.join(dir, 'key'), `${SECRET}\n`);
  ({ proc, port } = await startServe(['--manifests', dir,
    '--transfer-to', '127.0.0.0/8', '--tsig-key', `xfr.example:hmac-sha512:${path.join(dir, 'key')}`, '--require-tsig']));
  await new Promise((r) => setTimeout(r, 1500)); // the zone is sealed at the next second boundary
});
afterAll(() => { proc?.kill('SIGTERM'); });

describe('dig AXFR / IXFR against ordinal serve --manifests', () => {
  it('AXFR: many messages, every one signed and verified by dig, SOA first and last', () => {
    const out = dig(...key, 'cluster.local', 'AXFR');
    expect(out).not.toMatch(/Transfer failed|Couldn't verify|tsig indicates error/);
    const size = /XFR size: (\d+) records \(messages (\d+), bytes (\d+)\)/.exec(out);
    expect(size).not.toBeNull();
    expect(Number(size![2])).toBeGreaterThan(1);
    const lines = out.split('\n').filter((l) => l && !l.startsWith(';') && !/\sTSIG\s/.test(l));
    expect(lines[0]).toMatch(/^cluster\.local\.\s+\d+\s+IN\s+SOA\s/);
    expect(lines.at(-1)).toBe(lines[0]);
    expect(lines.filter((l) => /\sIN\s+A\s+10\.250\./.test(l) && l.startsWith('big-'))).toHaveLength(3000);
    expect(out.split('\n').filter((l) => /\sTSIG\s.*NOERROR/.test(l))).toHaveLength(Number(size![2])); // one verified TSIG per message
  });

  it('IXFR=<current serial>: one SOA', () => {
    const soa = dig('+short', 'SOA', 'cluster.local').trim().split(/\s+/);
    const out = dig(...key, 'cluster.local', `IXFR=${soa[2]}`);
    expect(out).toMatch(/XFR size: 1 records \(messages 1,/);
  });

  it('IXFR=<an older serial>: the whole zone, AXFR-style', () => {
    const out = dig(...key, 'cluster.local', 'IXFR=1');
    expect(out).toMatch(/XFR size: \d{4,} records/);
  });

  it.each([
    { name: 'no key with --require-tsig: REFUSED', args: [] as string[], want: /REFUSED|Transfer failed/ },
    { name: 'wrong secret: BADSIG', args: ['-y', `hmac-sha512:xfr.example:${randomBytes(64).toString('base64')}`], want: /BADSIG/ },
    { name: 'unknown key: BADKEY', args: ['-y', `hmac-sha512:other.example:${SECRET}`], want: /BADKEY/ },
    { name: 'wrong algorithm: BADKEY', args: ['-y', `hmac-sha256:xfr.example:${SECRET}`], want: /BADKEY/ },
  ])('$name', ({ args, want }) => {
    expect(dig(...args, 'cluster.local', 'AXFR')).toMatch(want);
  });
});
