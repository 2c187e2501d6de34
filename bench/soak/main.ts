/**
 * @module `npm run soak -- --minutes N`: ordinal under load, churn, faults and garbage for N
 * minutes, judged by an independent oracle (issue #14). Prints the report, writes it to --out,
 * exits 1 when a target is missed (2 when the soak itself could not run).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Churn } from './churn.ts';
import { DnsClient } from './client.ts';
import { dnsSchedFlags, replayFlags, parseConfig, retention, type SoakConfig } from './config.ts';
import { TYPE } from './dnswire.ts';
import { audit, converge, inject, type AuditResult, type FaultCtx, type FaultRecord } from './faults.ts';
import { startFuzz } from './fuzz.ts';
import { Hist } from './hist.ts';
import { dnsperf, keepSlow, measureMax, queryMix, writeQueryFile, type DnsperfRun } from './load.ts';
import { Oracle } from './oracle.ts';
import { Proc, sampleProc, type Crash } from './procs.ts';
import { startRelay } from './proxy.ts';
import { buildReport, type RunRecord } from './summary.ts';
import { readCpuTimes, stealShare } from './steal.ts';
import { makeRng } from './rng.ts';
import { lowerHarness, setClientRealtime } from './priority.ts';
import { RSS_SAMPLE_MS, type RssSample } from './rss.ts';
import { Sampler } from './sampler.ts';
import { scrapeStored, type StoredSample } from './stored.ts';
import { releaseAgents } from '../../src/kube/client.ts';
import { startXfr } from './xfr.ts';
import { planFaults } from './schedule.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A port free for TCP and UDP, below Linux's ephemeral range (32768-60999): `ordinal local`
 * restarts on the same ports after kill -9, and an ephemeral port could meanwhile have been
 * taken as the local port of some client socket (dnsperf's, the fuzzer's).
 */
async function freePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const p = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(p)) continue;
    const s = createServer();
    const u = createSocket('udp4');
    const ok = await new Promise<boolean>((r) => { s.once('error', () => r(false)); s.listen(p, '127.0.0.1', () => r(true)); });
    const uok = ok && await new Promise<boolean>((r) => { u.once('error', () => r(false)); u.bind(p, '127.0.0.1', () => r(true)); });
    if (ok) await new Promise((r) => s.close(r));
    u.close();
    if (uok) { taken.add(p); return p; }
  }
}

function addPerf(perf: { sent: number; completed: number; lost: number }, r: { sent: number; completed: number; lost: number } | undefined): void {
  if (!r) return;
  perf.sent += r.sent;
  perf.completed += r.completed;
  perf.lost += r.lost;
}

export interface SoakOutcome { pass: boolean; report: string }

export async function runSoak(cfg: SoakConfig): Promise<SoakOutcome> {
  const log = (s: string): void => { process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}\n`); };
  const niceNote = lowerHarness(cfg.harnessNice);
  if (niceNote) log(`warning: ${niceNote}`);
  setClientRealtime(cfg.rtPriority);
  log(`seed ${cfg.seed} (replay: npm run soak -- --minutes ${cfg.minutes} --seed ${cfg.seed}${replayFlags(cfg)})`);
  // Four faults, each from a converged cluster and back (the SIGSTOP alone lasts --stop-seconds), take about two minutes.
  if (cfg.minutes < 3) log(`warning: ${cfg.minutes} minute(s) may leave no room for every fault kind, and that target would fail; 3 or more inject all four`);
  const rng = makeRng(cfg.seed);
  const base = mkdtempSync(join(tmpdir(), 'ordinal-soak-'));
  const dataDir = join(base, 'data');
  mkdirSync(dataDir);
  // The data dir is a tmpfs of its own, so the disk-full fault fills only it.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', dataDir]);
  const crashes: Crash[] = [];
  const taken = new Set<number>();
  const [api, dns1, dns2, http1, http2] = [await freePort(taken), await freePort(taken), await freePort(taken), await freePort(taken), await freePort(taken)];
  const common = ['--reverse-zone', 'in-addr.arpa', '--transfer-to', '127.0.0.1/32', '--log-level', process.env['SOAK_LOG_LEVEL'] ?? 'warn'];
  // The primary takes the load whose latency is measured; the replica answers only the checker.
  const rt = dnsSchedFlags(cfg);
  const keep = retention(cfg);
  const primary = new Proc('ordinal local', ['local', '--data-dir', dataDir, '--event-ttl', keep.eventTtl, '--compaction-interval', keep.compactionInterval, '--api-listen', `127.0.0.1:${api}`, '--dns-listen', `127.0.0.1:${dns1}`,
    '--http-listen', `127.0.0.1:${http1}`, '--nodes', String(cfg.nodes), '--node-grace-period', '5s', '--ready-delay', '1s', '--workers', String(cfg.workers), ...common, ...rt], crashes);
  const cleanups: (() => Promise<void> | void)[] = [];
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    for (const c of cleanups.reverse()) await c();
    try { execFileSync('umount', ['-l', dataDir]); } catch { /* reported by the leftover dir */ }
    rmSync(base, { recursive: true, force: true });
  };
  // An interrupted soak still stops its children and unmounts its tmpfs.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { void cleanup().then(() => process.exit(2)); });
  try {
    primary.start();
    cleanups.push(() => primary.stop());
    await primary.waitFor(/export KUBECONFIG=/, 90_000);
    const kcPath = join(dataDir, 'kubeconfig');
    const relay = await startRelay(api);
    cleanups.push(() => relay.close());
    const kc2Path = join(base, 'replica-kubeconfig');
    writeFileSync(kc2Path, readFileSync(kcPath, 'utf8').replaceAll(`127.0.0.1:${api}`, `127.0.0.1:${relay.port}`));
    const replica = new Proc('ordinal serve', ['serve', '--kubeconfig', kc2Path, '--dns-listen', `127.0.0.1:${dns2}`, '--http-listen', `127.0.0.1:${http2}`, ...common], crashes);
    replica.start();
    cleanups.push(() => replica.stop());
    const probe = new DnsClient(dns2);
    for (let i = 0; !(await probe.query('cluster.local', TYPE.SOA, 500)); i++) if (i > 120) throw new Error(`ordinal serve did not answer: ${replica.out}`);
    probe.close();

    const kc = new KubeConfig();
    kc.loadFromFile(kcPath);
    cleanups.push(() => releaseAgents(kc)); // the /metrics scrapes' keep-alive sockets (stored.ts)
    const oracle = new Oracle(kc, cfg.windowMs * 2 + 10_000);
    await oracle.start();
    cleanups.push(() => oracle.stop());
    const nodes = Array.from({ length: cfg.nodes }, (_, i) => `node-${i}`);
    const churn = new Churn(kc, rng.fork('churn'), oracle, nodes);
    await churn.setup(cfg.bigSets, cfg.peers);
    const sampler = new Sampler(oracle, { primary: dns1, replica: dns2 }, rng.fork('sampler'), cfg.windowMs);
    cleanups.push(() => sampler.stop());
    // The dnsperf runs that time queries run realtime, and dnsperf's TCP mode spins on a refused
    // connection (a whole core, until it fails an assertion about 2 s later): while the primary is
    // down after a kill -9 they would take a core from its restart. They stop, and the chunks of
    // that span (fault chunks, left out of the calm p99) run the bulk stream only.
    const timing = new Set<DnsperfRun>();
    let primaryDown = false;
    const onPrimaryDown = (): void => {
      primaryDown = true;
      for (const run of timing) run.stop();
    };
    const ctx: FaultCtx = { kc, primary, replica, relay, oracle, churn, sampler, dataDir, stopSeconds: cfg.stopSeconds, diskFullSeconds: cfg.diskFullSeconds, log, onPrimaryDown };
    churn.paused = true;
    for (let i = 0; [...oracle.view.sets.values()].filter((s) => s.ns === 'soak').length < cfg.bigSets; i++) {
      if (i > 600) throw new Error('the oracle never saw the soak\'s StatefulSets');
      await sleep(100);
    }
    const first = await converge(ctx, Date.now(), 300_000);
    if (first.ms < 0) throw new Error(`the cluster did not reach its spec before the soak: ${first.why}`);
    churn.paused = false;
    log(`setup converged in ${first.ms} ms; ${oracle.view.pods.size} pods`);

    const qfile = join(base, 'queries.txt');
    const loadRng = rng.fork('load');
    writeQueryFile(qfile, queryMix(oracle.view, loadRng));
    const max = cfg.rate ? undefined : await measureMax(dns1, qfile, 5);
    const rate = cfg.rate ?? Math.max(100, Math.round(max! / 2));
    log(`load: ${max ? `measured max ${Math.round(max)} q/s, ` : ''}UDP at ${rate} q/s (latency probe: ${Math.round(Math.min(2000, rate / 10))} q/s of it), TCP pipelined at ${Math.round(Math.min(1000, rate / 10))} q/s`);

    const t0 = Date.now();
    const endAt = t0 + cfg.minutes * 60_000;
    const faults: FaultRecord[] = [];
    const audits: AuditResult[] = [];
    let inFault = false;
    const faultSpans: [number, number][] = [];
    sampler.start(cfg.sampleRate);
    const fuzz = startFuzz(dns1, cfg.fuzzPerHour / 3600, rng.fork('fuzz'));
    const xfr = startXfr(dns1, 5000, () => inFault);
    const rss: RssSample[] = [];
    const stored: StoredSample[] = [];
    // Every second: six samples a minute of the API server's RSS sawtooth left its slope to chance (rss.ts).
    const rssTimer = setInterval(() => {
      for (const p of [primary, replica]) {
        const s = sampleProc(p.pid);
        if (s) rss.push({ t: Date.now() - t0, proc: p.name, ...s, gen: p.restarts });
      }
    }, RSS_SAMPLE_MS);
    const storedTimer = setInterval(() => {
      const t = Date.now() - t0;
      void scrapeStored(kc).then((s) => { if (s) stored.push({ t, ...s }); });
    }, 10_000);

    let running = true;
    const churnLoop = (async () => {
      const r = rng.fork('churn-timing');
      while (running) { await churn.tick(); await sleep(r.int(200, 1200)); }
    })();

    const faultLoop = (async () => {
      const plan = planFaults(cfg.minutes, rng.fork('faults'));
      const chosen = new Set(cfg.faults);
      for (const { dueMs, kind } of plan.slots) {
        const due = t0 + dueMs;
        while (Date.now() < due && running) await sleep(250);
        if (!running || endAt - Date.now() < 15_000) return;
        // Left out by --faults: its slot stays, so the others keep their times and the seed its choices.
        if (!chosen.has(kind)) continue;
        // Start each fault from a converged cluster so its reconvergence is its own.
        churn.paused = true;
        await converge(ctx, Date.now(), 60_000);
        churn.paused = false;
        const start = Date.now();
        inFault = true;
        log(`fault ${kind}`);
        let detail: string;
        churn.light = true;
        try { detail = await inject(kind, ctx, churn.acks, audits); } catch (err) { detail = `injection failed: ${(err as Error).message}`; }
        primaryDown = false;
        churn.light = false;
        const end = Date.now();
        churn.paused = true;
        const rc = await converge(ctx, end, 60_000);
        sampler.down.delete('primary');
        sampler.down.delete('replica');
        churn.paused = false;
        inFault = false;
        // A fault's span runs until reconvergence plus a settle time: a restarted process (its JIT
        // cold, its nodes restarting every pod) is not yet the steady state the p99 target is about.
        faultSpans.push([start, end + Math.max(rc.ms, 0) + cfg.settleMs]);
        faults.push({ kind, start: start - t0, end: end - t0, reconvergeMs: rc.ms, detail: rc.ms < 0 ? `${detail}; still: ${rc.why}` : detail });
        log(`fault ${kind}: ${detail}; reconverged ${rc.ms} ms ${rc.why}`);
      }
    })();

    const chunks: RunRecord['chunks'] = [];
    const logDir = process.env['SOAK_LOG_DIR'];
    const perf = { sent: 0, completed: 0, lost: 0 };
    // dnsperf runs in 15 s chunks, so the minutes' percentiles can leave out the chunks a fault overlapped.
    for (let m = 0; m < cfg.minutes; m++) {
      writeQueryFile(qfile, queryMix(oracle.view, loadRng));
      const mStart = Date.now();
      for (let c = 0; c < 4; c++) {
        const udp = new Hist();
        const tcp = new Hist();
        const start = Date.now();
        const cpuAtStart = readCpuTimes();
        const secs = Math.round((Math.min(endAt, mStart + (c + 1) * 15_000) - start) / 1000);
        if (secs < 1) continue;
        // The bulk load runs without per-query output (a reader that falls behind would stall dnsperf and
        // inflate its own latencies); latency comes from a probe stream at a fraction of the rate, and TCP.
        const probe = Math.min(2000, rate / 10);
        const timed = primaryDown ? [] : [
          dnsperf({ port: dns1, file: qfile, seconds: secs, qps: probe, hist: udp, keepRaw: !!logDir }),
          dnsperf({ port: dns1, file: qfile, seconds: secs, qps: Math.min(1000, rate / 10), tcp: true, hist: tcp, keepRaw: !!logDir }),
        ];
        for (const run of timed) timing.add(run);
        const [bulkRes, udpRes, tcpRes] = await Promise.all([
          dnsperf({ port: dns1, file: qfile, seconds: secs, qps: rate - probe }).done.catch(() => undefined),
          ...timed.map((run) => run.done.catch(() => undefined).finally(() => timing.delete(run))),
        ]);
        for (const r of [bulkRes, udpRes, tcpRes]) addPerf(perf, r);
        // With SOAK_LOG_DIR, a chunk over the p99 bound keeps its per-query lines: whether its tail is
        // one stall (a ramp of latencies) or a standing delay (a plateau) shows in their order.
        if (logDir) keepSlow(logDir, `${m + 1}.${c + 1}`, start, cfg.p99Ms, { udp: [udp, udpRes], tcp: [tcp, tcpRes] });
        const hist = new Hist().merge(udp).merge(tcp);
        const steal = stealShare(cpuAtStart, readCpuTimes());
        chunks.push({ minute: m + 1, hist, udp, tcp, start, end: Date.now(), steal });
        const stolen = steal > 0 ? `; host steal ${(100 * steal).toFixed(1)}%` : '';
        log(`chunk ${m + 1}.${c + 1}: ${hist.n} answers, p50 ${hist.quantileMs(0.5)} p99 ${hist.quantileMs(0.99)} ms (UDP ${udp.quantileMs(0.99)}, TCP ${tcp.quantileMs(0.99)})${stolen}${inFault ? ' (fault)' : ''}`);
      }
      const all = chunks.filter((c) => c.minute === m + 1).reduce((h, c) => h.merge(c.hist), new Hist());
      log(`minute ${m + 1}: ${all.n} answers, p50 ${all.quantileMs(0.5)} p99 ${all.quantileMs(0.99)} p99.9 ${all.quantileMs(0.999)} ms; fuzz ${fuzz.stats.udp + fuzz.stats.tcp}; crashes ${crashes.length}`);
    }
    running = false;
    await Promise.all([churnLoop, faultLoop]);
    clearInterval(rssTimer);
    clearInterval(storedTimer);
    xfr.stop();
    await fuzz.stop();
    churn.paused = true;
    const final = await converge(ctx, Date.now(), 60_000);
    sampler.pause();
    await sleep(1600); // the checker's queries time out after 1.5 s
    sampler.judge(Date.now(), true);
    audits.push(await audit(kc, churn.acks).catch((err: unknown) => ({ checked: 0, lost: [`final audit impossible: ${(err as Error).message.slice(0, 200)}`] })));
    oracle.invariants.settleClaims(Date.now() + 10_000);
    return buildReport({ cfg, rate, max, chunks, faultSpans, faults, audits, crashes, rss, stored, sampler, oracle, churn, fuzz: fuzz.stats, xfr: xfr.stats, perf, final, t0 });
  } finally {
    await cleanup();
  }
}

if (process.argv[1] && basename(process.argv[1]) === 'main.ts') {
  let cfg: SoakConfig;
  try { cfg = parseConfig(process.argv.slice(2)); } catch (err) { console.error((err as Error).message); process.exit(2); }
  runSoak(cfg).then(({ pass, report }) => {
    console.log(report);
    process.exit(pass ? 0 : 1);
  }, (err: unknown) => { console.error('soak could not run:', err); process.exit(2); });
}
