/**
 * @module Load: dnsperf over UDP (at half the measured maximum) and over TCP (pipelined: one
 * dnsperf TCP client keeps many queries in flight per connection), one run per minute so each
 * minute gets its own latency percentiles, parsed from dnsperf's per-query verbose lines.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterView } from './expect.ts';
import { ZONE } from './expect.ts';
import { Hist } from './hist.ts';
import { atFullPriority, clientCommand } from './priority.ts';
import type { Rng } from './rng.ts';

export interface DnsperfResult {
  sent: number; completed: number; lost: number; qps: number; rcodes: Record<string, number>;
  /** dnsperf's whole output, when asked for (keepRaw): one line per query, in the order replies came. */
  raw?: string;
}

/** The query mix: pod A, bare and _port._proto SRV of the big sets, NXDOMAIN, PTR. */
export function queryMix(view: ClusterView, rng: Rng, n = 2000): string[] {
  const pods = [...view.pods.values()].filter((p) => p.set !== '' && p.hostname);
  const sets = [...view.sets.values()];
  const big = sets.filter((s) => s.replicas >= 50);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    const p = pods.length > 0 ? rng.pick(pods) : undefined;
    if (r < 0.45 && p) lines.push(`${p.hostname}.${p.subdomain}.${p.ns}.svc.${ZONE} A`);
    else if (r < 0.6 && (big.length > 0 || sets.length > 0)) {
      const s = rng.pick(big.length > 0 ? big : sets);
      lines.push(rng.chance(0.5) ? `${s.serviceName}.${s.ns}.svc.${ZONE} SRV` : `_peer._tcp.${s.serviceName}.${s.ns}.svc.${ZONE} SRV`);
    } else if (r < 0.8) lines.push(`nx-${rng.int(0, 1e9)}.soak.svc.${ZONE} A`);
    else if (p?.ip) lines.push(`${p.ip.split('.').reverse().join('.')}.in-addr.arpa PTR`);
    else lines.push(`${rng.int(0, 250)}.${rng.int(0, 250)}.200.10.in-addr.arpa PTR`);
  }
  return lines;
}

export interface DnsperfRun { done: Promise<DnsperfResult>; stop(): void }

/**
 * Run dnsperf; every answered query's latency goes into `hist`. Its output goes to a file, read
 * once it exits: through a pipe, a moment of this (busy) process not reading would block dnsperf
 * on its own output, with replies waiting unread in its socket, and their latency would be the
 * soak's stall, not the server's (the 60-minute run at 1827b9b had ~0.7-s spikes in calm minutes).
 */
export function dnsperf(args: { port: number; file: string; seconds: number; qps?: number; tcp?: boolean; hist?: Hist; keepRaw?: boolean }): DnsperfRun {
  const argv = ['-s', '127.0.0.1', '-p', String(args.port), '-d', args.file, '-l', String(args.seconds), '-q', args.tcp ? '50' : '500', '-t', '2'];
  if (args.qps) argv.push('-Q', String(Math.max(1, Math.round(args.qps))));
  if (args.tcp) argv.push('-m', 'tcp', '-c', '2');
  if (args.hist) argv.push('-v');
  const dir = mkdtempSync(join(tmpdir(), 'soak-dnsperf-'));
  const outPath = join(dir, 'out');
  const out = openSync(outPath, 'w');
  // The runs that time each query (-v) are the ones that must read their replies at once.
  const [cmd, cmdArgs] = args.hist ? clientCommand('dnsperf', argv) : ['dnsperf', argv] as const;
  const child = atFullPriority(() => spawn(cmd, cmdArgs, { stdio: ['ignore', out, 'pipe'] }));
  closeSync(out);
  let err = '';
  child.stderr!.on('data', (b: Buffer) => { err = (err + b.toString()).slice(-2000); });
  const done = new Promise<DnsperfResult>((resolve, reject) => {
    child.on('error', (e) => { rmSync(dir, { recursive: true, force: true }); reject(e); });
    child.on('close', (code) => {
      const text = readFileSync(outPath, 'utf8');
      const res = parseDnsperf(text, args.hist);
      if (args.keepRaw) res.raw = text;
      rmSync(dir, { recursive: true, force: true });
      if (code === 0 || res.sent > 0) resolve(res); else reject(new Error(`dnsperf exited ${code}: ${err}`));
    });
  });
  return { done, stop: () => child.kill('SIGINT') };
}

/**
 * SOAK_LOG_DIR: dnsperf's per-query lines of a chunk whose p99 is over the bound, as
 * `dnsperf-<chunk>-<udp|tcp>-<start ms>.txt`. Whether a tail is one stall (a ramp of latencies)
 * or a standing delay (runs of equal ones) shows in their order. Returns the files written.
 */
export function keepSlow(dir: string, chunk: string, start: number, p99Ms: number, runs: Record<string, [Hist, DnsperfResult | undefined]>): string[] {
  const kept: string[] = [];
  for (const [name, [h, r]] of Object.entries(runs)) {
    if (!r?.raw || !(h.quantileMs(0.99) > p99Ms)) continue;
    const path = join(dir, `dnsperf-${chunk}-${name}-${start}.txt`);
    writeFileSync(path, r.raw);
    kept.push(path);
  }
  return kept;
}

/** dnsperf's summary, and its per-query `> ... <seconds>` lines into `hist`. */
export function parseDnsperf(text: string, hist?: Hist): DnsperfResult {
  const res: DnsperfResult = { sent: 0, completed: 0, lost: 0, qps: 0, rcodes: {} };
  for (const line of text.split('\n')) {
    if (line.startsWith('> ')) {
      const sec = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (Number.isFinite(sec)) hist?.add(sec * 1e6);
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /Queries sent:\s+(\d+)/.exec(line))) res.sent = Number(m[1]);
    else if ((m = /Queries completed:\s+(\d+)/.exec(line))) res.completed = Number(m[1]);
    else if ((m = /Queries lost:\s+(\d+)/.exec(line))) res.lost = Number(m[1]);
    else if ((m = /Queries per second:\s+([\d.]+)/.exec(line))) res.qps = Number(m[1]);
    else if ((m = /Response codes:\s+(.*)$/.exec(line))) {
      for (const part of m[1]!.split(',')) {
        const mm = /(\w+)\s+(\d+)/.exec(part.trim());
        if (mm) res.rcodes[mm[1]!] = Number(mm[2]);
      }
    }
  }
  return res;
}

export function writeQueryFile(path: string, lines: string[]): void {
  writeFileSync(path, lines.join('\n') + '\n');
}

/** ordinal's maximum UDP rate: unthrottled dnsperf with many queries in flight. */
export async function measureMax(port: number, file: string, seconds: number): Promise<number> {
  const r = await dnsperf({ port, file, seconds }).done;
  return r.qps;
}
