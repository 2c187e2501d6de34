/** @module From the run's raw records to the targets, the Markdown report and the SVG, written beside --out. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import type { Churn } from './churn.ts';
import { DEFAULT_STEAL_LIMIT, dnsSchedFlags, FAULT_KINDS, replayFlags, retention, type SoakConfig } from './config.ts';
import type { AuditResult, FaultRecord } from './faults.ts';
import type { FuzzStats } from './fuzz.ts';
import { Hist } from './hist.ts';
import { minuteRss, MIN_SLOPE_SPAN_MS, RSS_SAMPLE_MS, rssSlope, type RssSample } from './rss.ts';
import { quietWindow } from './schedule.ts';
import { judged } from './steal.ts';
import { clientPriority } from './priority.ts';
import type { Oracle } from './oracle.ts';
import type { Crash } from './procs.ts';
import { latencySvg, markdown, type MinuteRow, type Target } from './report.ts';
import type { Sampler } from './sampler.ts';
import type { StoredSample } from './stored.ts';
import type { XfrStats } from './xfr.ts';

export interface RunRecord {
  cfg: SoakConfig; rate: number; max: number | undefined; t0: number;
  /** `steal`: the share of the machine's CPU the host took during the chunk (steal.ts; NaN if unknown). */
  chunks: { minute: number; hist: Hist; udp: Hist; tcp: Hist; start: number; end: number; steal: number }[];
  faultSpans: [number, number][]; faults: FaultRecord[]; audits: AuditResult[]; crashes: Crash[];
  /** Every {@link RSS_SAMPLE_MS}, each process's RSS and descriptors (rss.ts). */
  rss: RssSample[];
  /** The API server's objects and watch history beside the RSS samples (stored.ts). */
  stored: StoredSample[];
  sampler: Sampler; oracle: Oracle; churn: Churn; fuzz: FuzzStats; xfr: XfrStats;
  perf: { sent: number; completed: number; lost: number }; final: { ms: number; why: string };
}

/** How the DNS threads and the timing clients were scheduled, for the report's header. */
export function schedNote(cfg: Pick<SoakConfig, 'rtPriority' | 'dnsDeadline'>): string {
  const dns = dnsSchedFlags(cfg);
  const clients = cfg.rtPriority > 0
    ? `the dnsperf runs that time each query run under \`chrt --rr ${clientPriority(cfg.rtPriority)}\` (\`--rt-priority\`), as on a DNS host with its clients elsewhere`
    : 'dnsperf runs under the normal scheduler (`--rt-priority 0`)';
  const how = dns.length ? `\`ordinal local\` runs with \`${dns.join(' ')}\`` : '`ordinal local`\'s DNS threads run under the normal scheduler';
  return `${how}; ${clients}; the bulk UDP stream and the replica run under the normal scheduler.`;
}

/** Where kill -9 was kept out of, and why (schedule.ts). */
function quietNote(minutes: number): string {
  const q = quietWindow(minutes);
  return q ? ` kill -9 falls only outside minutes ${q[0] / 60_000}–${q[1] / 60_000}, so that one life of \`ordinal local\` is long enough to measure its RSS slope; the other faults fill that window, and each kind is injected as often as in a run without it.` : '';
}

/** The last sample at or before t (samples sorted by t). */
function lastAt(xs: readonly StoredSample[], t: number): StoredSample | undefined {
  let found: StoredSample | undefined;
  for (const x of xs) { if (x.t > t) break; found = x; }
  return found;
}

const fmtPct = (share: number): string => `${+(100 * share).toFixed(2)}%`;

/** What the latency target left out for host steal, and whether that was too much to judge the run. */
function stealNote(s: { chunks: number; allowed: number; worst: number }, limit: number): string {
  if (s.chunks === 0) return '';
  const what = `; ${s.chunks} fault-free chunk${s.chunks === 1 ? '' : 's'} left out for host steal ≥ ${fmtPct(limit)} (worst p99 there ${s.worst.toFixed(3)} ms)`;
  return s.chunks > s.allowed ? `${what}, more than the quarter (${s.allowed}) a run may leave out: the machine was too busy to judge` : what;
}

/** A slope line up to its details in parentheses, for the targets table (the full line is in its own section). */
export const slopeHeadline = (line: string): string => line.replace(/ \(.*$/, '');

export function buildReport(r: RunRecord): { pass: boolean; report: string } {
  const { cfg } = r;
  const overlaps = (a: number, b: number): boolean => r.faultSpans.some(([s, e]) => s < b && e > a);
  const procs = [...new Set(r.rss.map((x) => x.proc))];
  const minuteIds = [...new Set(r.chunks.map((c) => c.minute))];
  const minutes = minuteIds.map((minute) => {
    const cs = r.chunks.filter((c) => c.minute === minute);
    // Judged: the chunks no fault overlapped (faultFree) and the host did not take --steal-limit of the CPU in.
    const faultFree = cs.filter((c) => !overlaps(c.start, c.end));
    const calm = faultFree.filter((c) => judged(c.steal, cfg.stealLimit, false));
    const stolen = faultFree.filter((c) => !calm.includes(c));
    const steals = cs.map((c) => c.steal).filter((v) => Number.isFinite(v));
    return { minute, start: cs[0]!.start, end: cs[cs.length - 1]!.end, hist: cs.reduce((h, c) => h.merge(c.hist), new Hist()),
      stolen, steal: steals.length ? Math.max(...steals) : NaN, faultFree: faultFree.length,
      calm: calm.length ? calm.reduce((h, c) => h.merge(c.hist), new Hist()) : undefined, faultChunks: cs.length - faultFree.length,
      calmUdp: calm.length ? calm.reduce((h, c) => h.merge(c.udp), new Hist()) : undefined, calmTcp: calm.length ? calm.reduce((h, c) => h.merge(c.tcp), new Hist()) : undefined };
  });
  const stored = [...r.stored].sort((a, b) => a.t - b.t);
  const rows: MinuteRow[] = minutes.map((m) => {
    const last: MinuteRow['procs'] = {};
    for (const p of procs) last[p] = minuteRss(r.rss, p, m.start - r.t0, m.end - r.t0);
    return { minute: m.minute, n: m.hist.n, stored: lastAt(stored, m.end - r.t0), p50: m.hist.quantileMs(0.5), p99: m.hist.quantileMs(0.99), p999: m.hist.quantileMs(0.999),
      calmP99: m.calm?.quantileMs(0.99) ?? NaN, calmUdpP99: m.calmUdp?.quantileMs(0.99) ?? NaN, calmTcpP99: m.calmTcp?.quantileMs(0.99) ?? NaN, fault: m.faultChunks > 0, procs: last,
      steal: m.steal, stolenChunks: m.stolen.length };
  });
  // RSS slope after warm-up, per process, over its longest run without a restart (a restart starts a new process).
  const warm = cfg.warmupMinutes * 60_000;
  const slopes: string[] = [];
  let slopeOk = true;
  for (const p of procs) {
    const res = rssSlope(r.rss, p, warm);
    if (!res.judged) {
      slopes.push(`${p}: not judged: ${(res.spanMs / 60_000).toFixed(1)} min after warm-up without a restart; ${MIN_SLOPE_SPAN_MS / 60_000} needed`);
      continue;
    }
    const ok = res.perTenMinutes < cfg.rssSlopeMB;
    slopeOk &&= ok;
    const [from, to] = [lastAt(stored, res.first.t), lastAt(stored, res.last.t)];
    const state = from && to ? `; the API server held ${from.objects} → ${to.objects} objects and ${from.history} → ${to.history} watch events` : '';
    slopes.push(`${p}: ${res.perTenMinutes.toFixed(2)} MB per 10 min over ${(res.spanMs / 60_000).toFixed(1)} min (${res.samples} samples ${RSS_SAMPLE_MS / 1000} s apart, ${res.first.rssMB.toFixed(1)} → ${res.last.rssMB.toFixed(1)} MB${state})${ok ? '' : ' **over bound**'}`);
  }
  const st = [...r.sampler.stats.entries()];
  const wrong = st.reduce((a, [, s]) => a + s.wrong, 0);
  const lostWrites = r.audits.flatMap((a) => a.lost);
  const inv = r.oracle.invariants;
  const calm = rows.filter((x) => Number.isFinite(x.calmP99));
  const worstCalm = Math.max(0, ...calm.map((x) => x.calmP99));
  const stolenChunks = minutes.flatMap((m) => m.stolen);
  const faultFree = minutes.reduce((n, m) => n + m.faultFree, 0);
  // A run whose host took the CPU in more than a quarter of its fault-free chunks says too little about ordinal.
  const stolen = { chunks: stolenChunks.length, allowed: Math.floor(faultFree / 4), worst: Math.max(0, ...stolenChunks.map((c) => c.hist.quantileMs(0.99)).filter((v) => Number.isFinite(v))) };
  const kinds = new Set(r.faults.map((f) => f.kind));
  const worstRc = Math.max(0, ...r.faults.map((f) => (f.reconvergeMs < 0 ? Infinity : f.reconvergeMs)));
  const fuzzed = r.fuzz.udp + r.fuzz.tcp;
  const fuzzWant = Math.floor((cfg.fuzzPerHour * cfg.minutes) / 60 * 0.95);
  const disk = r.faults.filter((f) => f.kind === 'disk-full');
  const non5xx = disk.filter((f) => /refused writes by code: (.*?);/.exec(f.detail)?.[1]?.split(', ').some((c) => c !== 'none' && !/^5\d\d×/.test(c)));
  const targets: Target[] = [
    { name: 'crashes', value: `${r.crashes.length}`, pass: r.crashes.length === 0 },
    { name: `wrong answers outside the ${cfg.windowMs} ms window`, value: `${wrong}`, pass: wrong === 0 },
    { name: 'acknowledged writes lost (kill -9, disk full, end)', value: `${lostWrites.length} of ${r.audits.map((a) => a.checked).join('/')} checked in ${r.audits.length} audits`, pass: lostWrites.length === 0 },
    { name: 'StatefulSet invariant violations', value: `${inv.violations.length} in ${inv.checked} pod events`, pass: inv.violations.length === 0 },
    { name: `RSS slope after ${cfg.warmupMinutes} min < ${cfg.rssSlopeMB} MB / 10 min`, value: slopes.map(slopeHeadline).join('; '), pass: slopeOk },
    { name: `p99 < ${cfg.p99Ms} ms in every minute without a fault (its 15 s chunks that no fault overlapped, a fault lasting until reconverged plus ${cfg.settleMs / 1000} s, and in which the host took less than ${fmtPct(cfg.stealLimit)} of the CPU)`,
      value: `worst ${worstCalm.toFixed(3)} ms over ${calm.length} minutes${stealNote(stolen, cfg.stealLimit)}`, pass: calm.length > 0 && worstCalm < cfg.p99Ms && stolen.chunks <= stolen.allowed },
    { name: `reconvergence after every fault < ${cfg.reconvergeMs} ms`, value: `worst ${Number.isFinite(worstRc) ? (worstRc / 1000).toFixed(2) + ' s' : 'not reconverged'} over ${r.faults.length} faults`, pass: worstRc < cfg.reconvergeMs },
    { name: 'every fault kind injected', value: [...kinds].join(', ') || 'none', pass: FAULT_KINDS.every((k) => kinds.has(k)) },
    { name: 'disk full answered with 5xx only', value: `${disk.length - non5xx.length}/${disk.length}`, pass: non5xx.length === 0 },
    { name: `garbage packets >= ${fuzzWant}`, value: `${fuzzed}`, pass: fuzzed >= fuzzWant },
    { name: 'zone transfers failing outside faults', value: `${r.xfr.failed}`, pass: r.xfr.failed === 0 },
  ];
  const pass = targets.every((t) => t.pass);
  const svgPath = resolve(cfg.out.replace(/\.md$/, '') + '-latency.svg');
  const problems = [
    ...r.crashes.map((c) => `crash of ${c.proc} at ${((c.t - r.t0) / 1000).toFixed(0)} s (code ${c.code}, signal ${c.signal}): ${c.tail.slice(-600)}`),
    ...st.flatMap(([, s]) => s.examples.map((e) => `wrong answer: ${e}`)),
    ...lostWrites.map((l) => `lost write: ${l}`),
    ...inv.violations.slice(0, 20).map((v) => `invariant ${v.kind} at ${((v.t - r.t0) / 1000).toFixed(0)} s: ${v.detail}`),
    ...r.xfr.errors.map((e) => `transfer: ${e}`),
    ...(r.final.ms < 0 ? [`not converged at the end: ${r.final.why}`] : []),
  ];
  const counts = [
    `dnsperf (UDP at ${r.rate} q/s${r.max ? `, half of the ${Math.round(r.max)} q/s measured at start` : ''}, of which a probe stream of min(2000, rate/10) q/s gives the UDP latencies; plus TCP pipelined at min(1000, rate/10) q/s): sent ${r.perf.sent}, answered ${r.perf.completed}, lost ${r.perf.lost} (losses include the kill -9 restarts, where the primary's DNS is down)`,
    ...st.map(([k, s]) => `checked queries to ${k}: sent ${s.sent}, answered ${s.answered}, lost ${s.lost} (+${s.lostInFault} unanswered or SERVFAIL while the soak had it down, until reconverged), right ${s.right} (of which NODATA for an expected NXDOMAIN: ${s.nodataForNx}; a state between a watch's end and the oracle's relist: ${s.rightInGap}), wrong ${s.wrong}`),
    `garbage: ${r.fuzz.udp} UDP + ${r.fuzz.tcp} TCP packets on ${r.fuzz.tcpConns} connections; ${r.fuzz.replies} replies`,
    `zone transfers: ${r.xfr.axfr} AXFR (${r.xfr.records} records), ${r.xfr.ixfr} IXFR, ${r.xfr.failed} failed outside faults, ${r.xfr.failedInFault} during faults`,
    `churn: ${Object.entries(r.churn.ops).map(([k, v]) => `${k} ${v}`).join(', ')}; writes ${r.churn.acks.writes}, refused ${r.churn.acks.refused} (${Object.entries(r.churn.acks.codes).map(([k, v]) => `${k}×${v}`).join(', ')})`,
    `oracle: ${r.oracle.relists} relists; invariants checked on ${inv.checked} pod events`,
    `final convergence (churn stopped): ${r.final.ms < 0 ? `not within 60 s: ${r.final.why}` : `${r.final.ms} ms`}`,
  ];
  const header = [
    `## Soak: ${cfg.minutes} minutes, seed ${cfg.seed} — ${pass ? 'PASS' : 'FAIL'}`, '',
    ...(cfg.minutes < 60 ? [`**Short run (${cfg.minutes} minutes), not the 60-minute run.**`, ''] : []),
    `Run: \`npm run soak -- --minutes ${cfg.minutes} --seed ${cfg.seed}${cfg.rate !== undefined ? ` --rate ${cfg.rate}` : ''}${cfg.p99Ms !== 2 ? ` --p99-ms ${cfg.p99Ms}` : ''}${cfg.stealLimit !== DEFAULT_STEAL_LIMIT ? ` --steal-limit ${+(100 * cfg.stealLimit).toFixed(2)}` : ''}${replayFlags(cfg)}\` at ${new Date(r.t0).toISOString()} (load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the end). ` +
    `Propagation window ${cfg.windowMs} ms: an answer is wrong only if it matches no cluster state the oracle saw between (sent − window) and (received + window). ` +
    `\`ordinal local\` runs with \`--event-ttl ${retention(cfg).eventTtl} --compaction-interval ${retention(cfg).compactionInterval}\` (1 h and 5 min by default), so that the Events and the watch history the churn writes are at their steady size when the RSS slope is measured, after the warm-up. ` +
    schedNote(cfg) +
    ` Host steal (the CPU time the hypervisor gave to other machines, from /proc/stat) is measured per 15 s chunk: a chunk in which it reached ${fmtPct(cfg.stealLimit)} of the CPU is shown but left out of the p99 target, as the chunks a fault overlapped are, since a stolen vCPU stops every thread whatever its priority (\`--steal-limit\`); a run that leaves out more than a quarter of its fault-free chunks for it fails that target.` +
    quietNote(cfg.minutes),
  ];
  const report = markdown({ header, targets, rows, faults: r.faults, counts, slopes, svgFile: basename(svgPath), problems });
  mkdirSync(dirname(resolve(cfg.out)), { recursive: true });
  writeFileSync(resolve(cfg.out), report + '\n');
  writeFileSync(svgPath, latencySvg(rows) + '\n');
  return { pass, report };
}
