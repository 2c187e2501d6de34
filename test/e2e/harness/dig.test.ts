/** parseDig over dig 9.18 output captured from CoreDNS 1.14.7 (`+noall +comments +answer +authority`). */
import { describe, expect, it } from 'vitest';
import { parseDig } from './dig.ts';

const HEAD = (status: string, counts: string) =>
  ';; Got answer:\n;; WARNING: .local is reserved for Multicast DNS\n' +
  `;; ->>HEADER<<- opcode: QUERY, status: ${status}, id: 23023\n;; flags: qr aa rd; ${counts}\n` +
  ';; WARNING: recursion requested but not available\n\n;; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n' +
  '; COOKIE: 4146c90a0ca649ec (echoed)\n';

describe('parseDig', () => {
  it.each([
    {
      what: 'an answer',
      out: HEAD('NOERROR', 'QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1') +
        ';; ANSWER SECTION:\nkubernetes.default.svc.cluster.local. 5\tIN A\t10.0.0.1\n\n',
      want: { status: 'NOERROR', flags: ['qr', 'aa', 'rd'], answers: ['kubernetes.default.svc.cluster.local. 5 A 10.0.0.1'], authority: [] },
    },
    {
      what: 'NXDOMAIN with an SOA',
      out: HEAD('NXDOMAIN', 'QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 1') +
        ';; AUTHORITY SECTION:\ncluster.local.\t\t5\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5\n\n',
      want: {
        status: 'NXDOMAIN',
        flags: ['qr', 'aa', 'rd'],
        answers: [],
        authority: ['cluster.local. 5 SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5'],
      },
    },
    {
      what: 'no reply',
      out: ';; communications error to 127.0.0.1#1053: timed out\n',
      want: { status: 'NO-REPLY', flags: [], answers: [], authority: [] },
    },
  ])('$what', ({ out, want }) => {
    const { raw, ...got } = parseDig(out);
    expect(raw).toBe(out);
    expect(got).toEqual(want);
  });
});
