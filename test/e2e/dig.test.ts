// End to end: the real CLI serving deploy/examples/dns-demo.yaml (plus a generated 100-pod
// headless service), queried with BIND's dig. dig must be installed (bind9-dnsutils);
// a missing dig fails this suite.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigService, startServe } from './harness/serve.ts';

const DEMO = path.resolve('deploy/examples/dns-demo.yaml');
let proc: ChildProcess;
let port = 0;


function dig(...args: string[]): string {
  const r = spawnSync('dig', [`@127.0.0.1`, '-p', String(port), '+time=2', '+tries=1', ...args], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r.stdout;
}
const short = (...args: string[]): string[] => dig('+short', ...args).trim().split('\n').filter(Boolean).sort();

beforeAll(async () => {
  const probe = spawnSync('dig', ['-v'], { encoding: 'utf8' });
  if (probe.error) throw new Error('dig is not installed: apt-get install -y bind9-dnsutils');
  const dir = await mkdtemp(path.join(tmpdir(), 'ordinal-dig-'));
  await writeFile(path.join(dir, 'big.yaml'), bigService(100));
  ({ proc, port } = await startServe(['--manifests', DEMO, '--manifests', dir, '--reverse-zone', 'in-addr.arpa', '--reverse-zone', 'ip6.arpa']));
});
afterAll(() => { proc?.kill('SIGTERM'); });

describe('dig against ordinal serve', () => {
  it.each([
    { name: 'pod A', args: ['web-0.nginx.default.svc.cluster.local'], want: ['10.244.1.10'] },
    { name: 'pod AAAA', args: ['AAAA', 'web-0.nginx.default.svc.cluster.local'], want: ['fd00:10:244:1::a'] },
    { name: 'headless A: ready pods only', args: ['nginx.default.svc.cluster.local'], want: ['10.244.1.10', '10.244.2.11'] },
    { name: 'headless A over TCP', args: ['+tcp', 'nginx.default.svc.cluster.local'], want: ['10.244.1.10', '10.244.2.11'] },
    { name: 'SRV', args: ['SRV', '_web._tcp.nginx.default.svc.cluster.local'], want: ['0 50 8080 web-0.nginx.default.svc.cluster.local.', '0 50 8080 web-1.nginx.default.svc.cluster.local.'] },
    { name: 'ClusterIP A', args: ['api.default.svc.cluster.local'], want: ['10.96.0.20'] },
    { name: 'ClusterIP SRV uses the service port', args: ['SRV', '_http._tcp.api.default.svc.cluster.local'], want: ['0 100 80 api.default.svc.cluster.local.'] },
    { name: 'ExternalName', args: ['CNAME', 'search.default.svc.cluster.local'], want: ['www.example.com.'] },
    // One PTR per Service selecting the pod, as CoreDNS does (dns.md B.3): the headless name and the ClusterIP service's dashed-IP name.
    { name: 'PTR (dig -x)', args: ['-x', '10.244.2.11'], want: ['10-244-2-11.api.default.svc.cluster.local.', 'web-1.nginx.default.svc.cluster.local.'] },
    { name: 'not-ready pod', args: ['web-2.nginx.default.svc.cluster.local'], want: [] },
    { name: 'TXT dns-version', args: ['TXT', 'dns-version.cluster.local'], want: ['"1.1.0"'] },
  ])('$name', ({ args, want }) => {
    expect(short(...args)).toEqual(want);
  });

  it('NXDOMAIN with the SOA in authority, authoritative', () => {
    const out = dig('web-9.nginx.default.svc.cluster.local');
    expect(out).toContain('status: NXDOMAIN');
    expect(out).toMatch(/flags: qr aa rd;/);
    expect(out).toMatch(/cluster\.local\.\s+\d+\s+IN\s+SOA/);
  });

  it('+norec: RD clear in the reply, RA never set', () => {
    const out = dig('+norec', 'web-1.nginx.default.svc.cluster.local');
    expect(out).toMatch(/flags: qr aa;/);
    expect(out).toMatch(/web-1\.nginx\.default\.svc\.cluster\.local\.\s+5\s+IN\s+A\s+10\.244\.2\.11/);
  });

  it('mixed case is answered and echoed', () => {
    const out = dig('WeB-1.NgInX.Default.SVC.cluster.LOCAL');
    expect(out).toMatch(/^WeB-1\.NgInX\.Default\.SVC\.cluster\.LOCAL\.\s+5\s+IN\s+A\s+10\.244\.2\.11/m);
  });

  it('100-target SRV: TC over UDP (+ignore), whole answer over TCP and after dig retries', () => {
    const udp = dig('+ignore', '+bufsize=1232', 'SRV', '_peer._tcp.big.default.svc.cluster.local');
    expect(udp).toMatch(/flags: qr aa tc rd;/);
    const noedns = dig('+ignore', '+noedns', 'SRV', '_peer._tcp.big.default.svc.cluster.local');
    expect(noedns).toMatch(/flags: qr aa tc rd;/);
    expect(Number(/MSG SIZE\s+rcvd: (\d+)/.exec(noedns)![1])).toBeLessThanOrEqual(512);
    expect(short('+tcp', 'SRV', '_peer._tcp.big.default.svc.cluster.local').length).toBe(100);
    expect(short('SRV', '_peer._tcp.big.default.svc.cluster.local').length).toBe(100);
    const tcp = dig('+tcp', 'SRV', '_peer._tcp.big.default.svc.cluster.local');
    expect(tcp).toMatch(/ANSWER: 100, AUTHORITY: 0, ADDITIONAL: 101/);
  });

  it('+bufsize raises the UDP limit up to the server cap', () => {
    const small = dig('+ignore', '+bufsize=512', 'big.default.svc.cluster.local');
    const large = dig('+ignore', '+bufsize=4096', 'big.default.svc.cluster.local');
    expect(small).toMatch(/flags: qr aa tc rd;/);
    expect(large).toMatch(/flags: qr aa tc rd;/); // 100 A records need ~1.7 KB: over the 1232 cap
    expect(Number(/MSG SIZE\s+rcvd: (\d+)/.exec(large)![1])).toBeLessThanOrEqual(1232);
    expect(large).toMatch(/udp: 1232/);
    const few = dig('+bufsize=4096', 'nginx.default.svc.cluster.local');
    expect(few).toMatch(/flags: qr aa rd;/);
  });
});
