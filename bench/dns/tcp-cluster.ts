/**
 * The 100-peer SRV over TCP in cluster mode, alone: a real `ordinal serve --kubeconfig` follows
 * one headless Service of 100 pods on the embedded API (propagation.ts's API child), pinned to
 * core 1; dnsperf on core 0 asks for the SRV over TCP with EDNS, in max mode (`-c 4 -q 100`).
 * Server CPU of every thread from /proc/PID/stat. For finding where TCP's cost per query went
 * (bench/RESULTS.md, issue #13): run it from two trees and compare, or add `--cpu-prof`.
 *
 *   ORDINAL_FROM_SRC=1 node_modules/.bin/node bench/dns/tcp-cluster.ts [runs=3] [seconds=10] [max|QPS] [serve args...]
 *
 * With a QPS, dnsperf sends at that fixed rate (`-Q`) and the run reports its p50/p99/p99.9 (`-v`).
 *
 * BENCH_CLIENT=loadgen puts bench/dns/loadgen.c in dnsperf's place (`-T`: 4 pipelined connections,
 * the same query, EDNS), which writes every due query in one write per connection; BENCH_TICK_US=N
 * makes it wake at most every N µs (`-i`), so each write carries N µs of queries. dnsperf writes
 * each query on its own, and past ~50k/s over TCP its own queue is what it measures.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServe, writeKubeconfig } from '../serve-child.ts';
import { loadgenBin } from './loadgen-bin.ts';

const CLIENT = process.env.BENCH_CLIENT ?? 'dnsperf';
const TICK_US = process.env.BENCH_TICK_US ?? '0';
if (CLIENT !== 'dnsperf' && CLIENT !== 'loadgen') throw new Error(`BENCH_CLIENT=${CLIENT}: dnsperf or loadgen`);

const [RUNS = '3', SECONDS = '10', RATE = 'max', ...SERVE_ARGS] = process.argv.slice(2);
const ROOT = join(import.meta.dirname, '../..');
const OUT = join(ROOT, 'bench/out');
mkdirSync(OUT, { recursive: true });
const qfile = join(OUT, 'q-tcp-cluster.txt');
writeFileSync(qfile, 'svc-0.ns-0.svc.cluster.local SRV\n');

const cpuTicks = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
};

/** p50/p99/p99.9 in ms from dnsperf -v's per-query lines ("> NOERROR ... 0.000123"). */
function latencies(out: string): string {
  const l = [...out.matchAll(/^> \S+ .* ([\d.]+)$/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
  const at = (q: number): string => ((l[Math.min(l.length - 1, Math.floor(q * l.length))] ?? NaN) * 1000).toFixed(2);
  return `, p50 ${at(0.5)} p99 ${at(0.99)} p99.9 ${at(0.999)} ms over ${l.length}`;
}

const api = fork(join(ROOT, 'bench/propagation.ts'), ['--api-child', '100', '1', '0', '--nodes', '1'], { execArgv: [] });
const conn = await new Promise<{ url: string; caPem: string; token: string }>((resolve) => api.once('message', resolve));
const serve = await startServe(writeKubeconfig(conn), SERVE_ARGS);
const pid = serve.proc.pid!;
try {
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(pid)], { stdio: 'ignore' });
  const load = RATE === 'max' ? ['-q', '100'] : ['-q', '1000', '-Q', RATE, '-v'];
  const dnsperf = (seconds: number): string => execFileSync('timeout', ['60', 'taskset', '-c', '0', 'dnsperf', '-s', '127.0.0.1', '-p', String(serve.dnsPort),
    '-d', qfile, '-e', '-m', 'tcp', '-c', '4', ...load, '-l', String(seconds)], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (CLIENT === 'loadgen') {
    const bin = loadgenBin();
    const loadgen = (seconds: number): string => execFileSync('timeout', ['60', 'taskset', '-c', '0', bin, '-T', '-s', '127.0.0.1', '-p', String(serve.dnsPort),
      '-d', qfile, '-e', '-c', '4', '-w', '100', ...(RATE === 'max' ? [] : ['-Q', RATE, '-i', TICK_US]), '-l', String(seconds), '-P', String(pid)], { encoding: 'utf8' }).trim();
    loadgen(3); // warm-up: JIT, answer cache
    for (let r = 1; r <= Number(RUNS); r++) {
      const kv = Object.fromEntries(loadgen(Number(SECONDS)).split(' ').map((f) => f.split('=')));
      const ms = (us: string | undefined): string => (Number(us) / 1000).toFixed(2);
      console.log(`run ${r}: ${kv.qps} q/s (sent ${kv.sent}, lost ${kv.lost}, tc ${kv.tc}), ${kv.server_us_per_query} µs CPU per query, p50 ${ms(kv.p50_us)} p99 ${ms(kv.p99_us)} p99.9 ${ms(kv.p999_us)} ms`);
    }
  } else {
    dnsperf(3); // warm-up: JIT, answer cache
    for (let r = 1; r <= Number(RUNS); r++) {
      const c0 = cpuTicks(pid);
      const out = dnsperf(Number(SECONDS));
      const cpuS = (cpuTicks(pid) - c0) / 100;
      const completed = Number(/Queries completed:\s+(\d+)/.exec(out)?.[1]);
      const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1]);
      console.log(`run ${r}: ${Math.round(qps)} q/s, ${(cpuS * 1e6 / completed).toFixed(2)} µs CPU per query, cpu ${cpuS.toFixed(2)} s${RATE === 'max' ? '' : latencies(out)}`);
    }
  }
} finally {
  serve.proc.kill('SIGTERM');
  await new Promise((r) => serve.proc.once('exit', r));
  api.kill('SIGTERM');
}
