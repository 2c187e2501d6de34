// The soak reads dnsperf's output from a file once it exits (bench/soak/load.ts): its summary
// and the per-query latency lines of -v.
import { describe, expect, it } from 'vitest';
import { Hist } from '../../bench/soak/hist.ts';
import { parseDnsperf } from '../../bench/soak/load.ts';

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
});
