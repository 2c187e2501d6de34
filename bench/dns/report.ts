/**
 * Turns bench/out/results (written by run.sh) into the markdown tables of bench/RESULTS.md,
 * and summarises the newest V8 CPU profile in bench/out/prof, if any.
 *
 * Usage: node_modules/.bin/node bench/dns/report.ts [resultsDir=bench/out/results] [profDir=bench/out/prof]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const resDir = process.argv[2] ?? 'bench/out/results';
const profDir = process.argv[3] ?? path.join(path.dirname(resDir), 'prof');

interface Run {
  server: string; mix: string; mode: string; n: number;
  qps: number; completed: number; lost: number; runtime: number;
  serverPct: number; usPerQuery: number; dnsperfPct: number; otherPct: number; load: number;
  lat?: { p50: number; p99: number; p999: number };
}

const num = (re: RegExp, s: string): number => Number(re.exec(s)?.[1] ?? NaN);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Mean busy % (100 - idle) of cores 0 and 1 from `mpstat -P 0,1 1 10`. */
function busy(mpstat: string): number {
  let sum = 0;
  for (const line of mpstat.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'Average:' && (f[1] === '0' || f[1] === '1')) sum += 100 - Number(f[f.length - 1]);
  }
  return sum;
}

function load(file: string): Run {
  const txt = readFileSync(file, 'utf8');
  const base = file.slice(0, -4);
  const [server, mix, mode, n] = path.basename(base).split('__') as [string, string, string, string];
  const runtime = num(/Run time \(s\):\s+([\d.]+)/, txt);
  const completed = num(/Queries completed:\s+(\d+)/, txt);
  const serverCpu = num(/server_ticks=(\d+)/, txt) / num(/clk_tck=(\d+)/, txt);
  const dm = /dnsperf_cpu_s=([\d.]+)\+([\d.]+) wall=([\d.]+)/.exec(txt);
  const dnsperfPct = dm ? ((Number(dm[1]) + Number(dm[2])) / Number(dm[3])) * 100 : NaN;
  const serverPct = (serverCpu / runtime) * 100;
  const mp = existsSync(`${base}.mpstat`) ? busy(readFileSync(`${base}.mpstat`, 'utf8')) : NaN;
  const run: Run = {
    server, mix, mode, n: Number(n), qps: num(/Queries per second:\s+([\d.]+)/, txt), completed,
    lost: num(/Queries lost:\s+(\d+)/, txt), runtime, serverPct, usPerQuery: (serverCpu * 1e6) / completed, dnsperfPct,
    otherPct: mp - serverPct - dnsperfPct, load: num(/load_before=([\d.]+)/, txt),
  };
  if (existsSync(`${base}.lat`)) {
    const xs = readFileSync(`${base}.lat`, 'utf8').split('\n').filter(Boolean).map(Number);
    if (xs.length) run.lat = { p50: quantile(xs, 0.5) * 1e3, p99: quantile(xs, 0.99) * 1e3, p999: quantile(xs, 0.999) * 1e3 };
  }
  return run;
}

const runs = existsSync(resDir) ? readdirSync(resDir).filter((f) => f.endsWith('.txt')).map((f) => load(path.join(resDir, f))) : [];
const k = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');
const ms = (x: number | undefined): string => (x === undefined ? '–' : x.toFixed(3));

const MIX_LABEL: Record<string, string> = {
  pods: '(a) pod A, no EDNS', srv100: '(b) 100-SRV, no EDNS', srv100e: '(b) 100-SRV, EDNS', svca100e: "(b') 100-addr A, EDNS",
  mixe: '(c) mix, EDNS', srv100tcp: '100-SRV over TCP, EDNS',
};
const SERVER_LABEL: Record<string, string> = {
  knot: 'knotd (payload 1232)', ord: 'ordinal (max-udp 1232)', knot4096: 'knotd (payload 4096)', ord4096: 'ordinal (max-udp 4096)',
  ordw1u: 'ordinal --workers 1, cores 0-1', ordw2u: 'ordinal --workers 2, cores 0-1', ordprof: 'ordinal --cpu-prof',
};
const REF: Record<string, string> = { ord: 'knot', ord4096: 'knot4096', knot: 'knot', knot4096: 'knot4096' };

function group(server: string, mix: string, mode: string): Run[] {
  return runs.filter((r) => r.server === server && r.mix === mix && r.mode === mode).sort((a, b) => a.n - b.n);
}

function maxTable(): void {
  console.log('| server | mix | QPS median (min–max) | × knotd | µs CPU/query | CPU/query knotd ÷ this | least-perturbed run: QPS (other %) | p50 / p99 ms (-v run, its QPS) | lost |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const mix of Object.keys(MIX_LABEL)) {
    for (const server of ['knot', 'ord', 'knot4096', 'ord4096']) {
      const g = group(server, mix, 'max');
      if (!g.length) continue;
      const q = median(g.map((r) => r.qps));
      const ref = group(REF[server]!, mix, 'max');
      const ratio = ref.length ? q / median(ref.map((r) => r.qps)) : NaN;
      const v = group(server, mix, 'maxv')[0];
      const lat = v?.lat ? `${ms(v.lat.p50)} / ${ms(v.lat.p99)} (${k(v.qps)})` : '–';
      const us = median(g.map((r) => r.usPerQuery));
      const cpuRatio = ref.length ? median(ref.map((r) => r.usPerQuery)) / us : NaN;
      const calm = g.reduce((a, b) => (b.otherPct < a.otherPct ? b : a));
      console.log(`| ${SERVER_LABEL[server]} | ${MIX_LABEL[mix]} | ${k(q)} (${k(Math.min(...g.map((r) => r.qps)))}–${k(Math.max(...g.map((r) => r.qps)))}) | ${ratio.toFixed(2)} | ${f1(us)} | ${cpuRatio.toFixed(2)} | ${k(calm.qps)} (${f1(calm.otherPct)}) | ${lat} | ${g.reduce((s, r) => s + r.lost, 0)} |`);
    }
  }
}

function rateTable(): void {
  const rr = runs.filter((r) => r.mode.startsWith('rate')).sort((a, b) => a.mix.localeCompare(b.mix) || a.server.localeCompare(b.server));
  if (!rr.length) return;
  console.log('\n| server | mix | rate | achieved QPS | p50 ms | p99 ms | p99.9 ms | lost | µs CPU/query | other % |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rr) {
    console.log(`| ${SERVER_LABEL[r.server] ?? r.server} | ${MIX_LABEL[r.mix]} | ${k(Number(r.mode.slice(4)))} | ${k(r.qps)} | ${ms(r.lat?.p50)} | ${ms(r.lat?.p99)} | ${ms(r.lat?.p999)} | ${r.lost} | ${f1(r.usPerQuery)} | ${f1(r.otherPct)} |`);
  }
}

function otherTable(servers: string[], title: string): void {
  const rows = servers.flatMap((s) => [...new Set(runs.filter((r) => r.server === s).map((r) => `${r.mix}__${r.mode}`))].map((m) => [s, ...m.split('__')] as const));
  if (!rows.length) return;
  console.log(`\n${title}\n`);
  console.log('| server | mix | runs: QPS | median QPS | µs CPU/query | server CPU % | other % per run |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [s, mix, mode] of rows) {
    const g = group(s, mix!, mode!);
    console.log(`| ${SERVER_LABEL[s] ?? s} | ${MIX_LABEL[mix!]} ${mode} | ${g.map((r) => k(r.qps)).join(', ')} | ${k(median(g.map((r) => r.qps)))} | ${f1(median(g.map((r) => r.usPerQuery)))} | ${f1(median(g.map((r) => r.serverPct)))} | ${g.map((r) => f1(r.otherPct)).join(', ')} |`);
  }
}

function perRun(): void {
  console.log('\n<details><summary>Every run</summary>\n');
  console.log('| server | mix | mode | n | QPS | lost | server CPU % | µs/query | dnsperf % | other % | load1 |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of [...runs].sort((a, b) => a.server.localeCompare(b.server) || a.mix.localeCompare(b.mix) || a.mode.localeCompare(b.mode) || a.n - b.n)) {
    console.log(`| ${r.server} | ${r.mix} | ${r.mode} | ${r.n} | ${k(r.qps)} | ${r.lost} | ${f1(r.serverPct)} | ${f1(r.usPerQuery)} | ${f1(r.dnsperfPct)} | ${f1(r.otherPct)} | ${r.load} |`);
  }
  console.log('\n</details>');
}

interface ProfNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }

/** Self time per function from a .cpuprofile, grouped into the categories of RESULTS.md. */
function profile(): void {
  if (!existsSync(profDir)) return;
  const file = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).sort().at(-1);
  if (!file) return;
  const prof = JSON.parse(readFileSync(path.join(profDir, file), 'utf8')) as { nodes: ProfNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const fns = new Map<string, number>();
  const groups = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${lineNumber + 1}` : ''}`.trim();
    fns.set(name, (fns.get(name) ?? 0) + us);
    total += us;
    let g: string;
    if (functionName === '(idle)') g = 'idle';
    else if (functionName === '(garbage collector)') g = 'GC';
    else if (functionName === '(program)') g = 'libuv/program (native: epoll, recvmsg, bindings)';
    else if (url.includes('dgram') && /send/i.test(functionName)) g = 'dgram send (incl. the synchronous sendmsg)';
    else if (url.includes('dgram') || url.includes('node:events') || url.includes('internal/')) g = 'other Node internals (dgram receive, events, ...)';
    else if (url.includes('/src/dns/')) g = 'handler JS: src/dns';
    else if (url.includes('/src/zone/')) g = 'handler JS: src/zone';
    else if (url.includes('lru-cache')) g = 'handler JS: lru-cache';
    else if (url.includes('node:buffer') || (!url && /^(latin1Slice|copy|toString|utf8Write|latin1Write)$/.test(functionName))) g = 'Buffer ops (key string, reply copy)';
    else g = 'startup and other (module load, manifest parse, zone build, ...)';
    groups.set(g, (groups.get(g) ?? 0) + us);
  }
  const pct = (us: number): string => `${((us / total) * 100).toFixed(1)}%`;
  console.log(`\nProfile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${prof.samples.length} samples\n`);
  console.log('| group | self time | share |');
  console.log('|---|---|---|');
  for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`| ${g} | ${(us / 1e3).toFixed(0)} ms | ${pct(us)} |`);
  console.log('\n| top self-time functions | self time | share |');
  console.log('|---|---|---|');
  for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`| \`${f}\` | ${(us / 1e3).toFixed(0)} ms | ${pct(us)} |`);
}

maxTable();
rateTable();
otherTable(['ordw1u', 'ordw2u'], 'Workers (mix (a), dnsperf on core 0, server allowed on cores 0-1):');
otherTable(['ordprof'], 'Profiled run:');
perRun();
profile();
