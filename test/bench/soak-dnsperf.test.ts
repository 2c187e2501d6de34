// The soak reads dnsperf's output from a file once it exits (bench/soak/load.ts): its summary
// and the per-query latency lines of -v.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Hist } from '../../bench/soak/hist.ts';
import { keepSlow, parseDnsperf } from '../../bench/soak/load.ts';

const sample = `DNS Performance Testing Tool
> NOERROR a.soak.svc.cluster.local A 0.000120
> NXDOMAIN nx-1.soak.svc.cluster.local A 0.002500
> NOERROR b.soak.svc.cluster.local SRV 0.000300
Statistics:

  Queries sent:         3
  Queries completed:    3 (100.00%)
  Queries lost:         0 (0.00%)

  Response codes:       NOERROR 2 (66.67%), NXDOMAIN 1 (33.33%)
  Queries per second:   2999.123456
`;

describe('soak: dnsperf output', () => {
  it('gives the summary and every per-query latency', () => {
    const hist = new Hist();
    expect(parseDnsperf(sample, hist)).toEqual({ sent: 3, completed: 3, lost: 0, qps: 2999.123456, rcodes: { NOERROR: 2, NXDOMAIN: 1 } });
    expect(hist.n).toBe(3);
    expect(hist.quantileMs(0.99)).toBeGreaterThanOrEqual(2.4);
  });

  it('with SOAK_LOG_DIR, keeps the per-query lines of the chunks over the p99 bound only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'soak-keep-'));
    try {
      const fast = new Hist();
      const slow = new Hist();
      const udp = parseDnsperf(sample, fast);
      const tcp = { ...parseDnsperf(sample, slow), raw: sample };
      slow.add(100_400);
      expect(keepSlow(dir, '7.4', 123, 5, { udp: [fast, { ...udp, raw: sample }], tcp: [slow, tcp] })).toEqual([join(dir, 'dnsperf-7.4-tcp-123.txt')]);
      expect(readdirSync(dir)).toEqual(['dnsperf-7.4-tcp-123.txt']);
      expect(readFileSync(join(dir, 'dnsperf-7.4-tcp-123.txt'), 'utf8')).toBe(sample);
      // Without the raw output (no SOAK_LOG_DIR) or without answers, nothing is written.
      expect(keepSlow(dir, '7.5', 124, 5, { udp: [slow, udp], tcp: [new Hist(), undefined] })).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
