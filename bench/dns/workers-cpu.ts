/**
 * `--workers 2` against `--workers 1` in cluster mode (issue #13: total server CPU per query
 * ≤ 1.1× one worker's, i.e. no work duplicated per query). A real `ordinal serve --kubeconfig`
 * follows 10,000 pods in 1,000 headless Services on the embedded API (propagation.ts's API
 * child), and bench/dns/loadgen.c asks for pod A records, reading the server's CPU from
 * /proc/PID/task/(every thread)/schedstat: the watching main thread, the UDP workers and the
 * TCP thread all count. Runs alternate 1 and 2 workers, each after a 3-s warm-up.
 *
 *   ORDINAL_FROM_SRC=1 node_modules/.bin/node bench/dns/workers-cpu.ts [runs=3] [seconds=10] [qps=60000|max]
 *
 * (ORDINAL_FROM_SRC=1: bin/ordinal.js would otherwise run dist/, which may be older than src/.)
 *
 * At a fixed rate both configurations get the same load (two workers split it, so each one's
 * batches are shorter); `max` keeps loadgen's window full instead. On a 2-core box the load
 * generator shares the cores with the server in both cases.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServe, writeKubeconfig } from '../serve-child.ts';
import { loadgenBin } from './loadgen-bin.ts';

const [RUNS = '3', SECONDS = '10', RATE = '60000'] = process.argv.slice(2);
const ROOT = join(import.meta.dirname, '../..');
const OUT = join(ROOT, 'bench/out');
const PODS = 10_000;
const SERVICES = 1_000;
const NAMESPACES = 10;

mkdirSync(OUT, { recursive: true });
const loadgen = loadgenBin();

// The pod names propagation.ts's API child serves (svc-<s>-<i>.svc-<s>.ns-<s % 10>).
const perSvc = PODS / SERVICES;
const qfile = join(OUT, 'q-workers-cpu.txt');
writeFileSync(qfile, Array.from({ length: PODS }, (_, i) => {
  const s = Math.floor(i / perSvc);
  return `svc-${s}-${i}.svc-${s}.ns-${s % NAMESPACES}.svc.cluster.local A`;
}).join('\n') + '\n');

const api = fork(join(ROOT, 'bench/propagation.ts'), ['--api-child', String(PODS), String(SERVICES), '0', '--nodes', '1'], { execArgv: [] });
const conn = await new Promise<{ url: string; caPem: string; token: string }>((resolve) => api.once('message', resolve));
const kubeconfig = writeKubeconfig(conn);

function run(port: number, pid: number, seconds: number): Record<string, number> {
  const args = ['-s', '127.0.0.1', '-p', String(port), '-d', qfile, '-l', String(seconds), '-P', String(pid)];
  if (RATE !== 'max') args.push('-Q', RATE);
  const line = execFileSync(loadgen, args, { encoding: 'utf8' }).trim();
  return Object.fromEntries(line.split(' ').map((kv) => kv.split('=')).map(([k, v]) => [k!, Number(v)]));
}

const rows: { workers: number; qps: number; us: number; p99: number; lost: number }[] = [];
try {
  for (let r = 1; r <= Number(RUNS); r++) {
    for (const workers of r % 2 === 1 ? [1, 2] : [2, 1]) {
      const serve = await startServe(kubeconfig, ['--workers', String(workers), '--udp-io', 'batch']);
      try {
        run(serve.dnsPort, serve.proc.pid!, 3); // warm-up: JIT, answer cache
        const m = run(serve.dnsPort, serve.proc.pid!, Number(SECONDS));
        rows.push({ workers, qps: m['qps']!, us: m['server_us_per_query']!, p99: m['p99_us']! / 1000, lost: m['lost']! });
        console.log(`run ${r} --workers ${workers}: ${Math.round(m['qps']!)} q/s, ${m['server_us_per_query']} µs server CPU/query, p99 ${m['p99_us']! / 1000} ms, lost ${m['lost']}`);
      } finally {
        serve.proc.kill('SIGINT');
        await new Promise((res) => serve.proc.once('exit', res));
      }
    }
  }
} finally {
  api.send({ exit: true });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const us = (w: number): number[] => rows.filter((x) => x.workers === w).map((x) => x.us);
const ratios = rows.filter((x) => x.workers === 2).map((x, i) => x.us / us(1)[i]!);
console.log(`\nload ${RATE === 'max' ? 'max (window full)' : `${RATE} q/s`}, ${RUNS} runs x ${SECONDS} s`);
console.log(`server CPU per query: 1 worker ${median(us(1)).toFixed(2)} µs (${us(1).join(', ')}), 2 workers ${median(us(2)).toFixed(2)} µs (${us(2).join(', ')})`);
console.log(`ratio 2/1 per run: ${ratios.map((x) => x.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)} (target <= 1.1)`);
process.exit(0);
