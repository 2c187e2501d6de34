/**
 * The 3-minute soak (issue #14) in the e2e suite: the same checks as the 60-minute run
 * (crashes, wrong answers, lost acknowledged writes, StatefulSet invariants, RSS slope,
 * reconvergence, every fault kind, garbage volume), with a looser per-minute p99 bound, because
 * CI machines are shared. Needs root (the data dir's tmpfs) and dnsperf.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../bench/soak/config.ts';
import { runSoak } from '../../bench/soak/main.ts';

describe('soak, 3 minutes', () => {
  it('passes every target', async () => {
    execFileSync('dnsperf', ['-h'], { stdio: 'ignore' }); // missing dnsperf fails here, clearly
    const out = join(mkdtempSync(join(tmpdir(), 'ordinal-soak-report-')), 'RESULTS.md');
    const seed = Number(process.env['SOAK_SEED'] ?? 14);
    // A fixed 5,000 q/s rather than half of the measured maximum: on a 2-core CI machine, dnsperf
    // at half of ordinal's maximum takes a core of its own and the latencies measure the machine.
    // The p99 bound is loose (the 60-minute run is judged by the 2 ms, which it met in 56
    // of 57 minutes: bench/soak/RESULTS.md): after a kill -9, the
    // restarted `ordinal local` answers correctly within a second but with a p99 of 40-130 ms for
    // about 40 s while its nodes restart every pod, longer than the 15-s settle time.
    // Reconvergence is a latency too, and loosened the same way: after the kill -9 it took 0.35 to
    // 11 s in runs on this project's shared 2-core machines (the 60-minute run holds 10 s).
    // Every chunk is judged, host steal or not (--steal-limit 100): the loose bound already allows
    // for a busy host, and a 3-minute run has too few chunks to leave any out.
    const { pass, report } = await runSoak(parseConfig(['--minutes', '3', '--seed', String(seed), '--rate', '5000', '--p99-ms', '250', '--reconverge-ms', '30000', '--steal-limit', '100', '--out', out]));
    expect(readFileSync(out, 'utf8')).toContain(`seed ${seed}`);
    expect(pass, report).toBe(true);
  }, 15 * 60_000);
});
