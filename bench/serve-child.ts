/**
 * The propagation bench's `--serve` mode: the watcher is a real `ordinal serve --kubeconfig`
 * process, so its RSS is what an operator sees, and answers are read over DNS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServeChild {
  readonly proc: ChildProcess;
  /** ms from spawn to DNS listening, and to "zone synced". */
  readonly startMs: number;
  readonly syncMs: number;
  readonly dnsPort: number;
  readonly httpUrl: string;
}

/** A kubeconfig file for the bench API (token auth, the API's CA inline). */
export function writeKubeconfig(c: { url: string; caPem: string; token: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-bench-'));
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'bench',
    clusters: [{ name: 'bench', cluster: { server: c.url, 'certificate-authority-data': Buffer.from(c.caPem).toString('base64') } }],
    users: [{ name: 'bench', user: { token: c.token } }],
    contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'bench' } }],
  }));
  return file;
}

/** Spawn bin/ordinal.js serve against `kubeconfig`; resolves once its zone is synced. */
export function startServe(kubeconfig: string, extra: string[]): Promise<ServeChild> {
  const bin = new URL('../bin/ordinal.js', import.meta.url).pathname;
  const t0 = performance.now();
  const proc = spawn(process.execPath, [bin, 'serve', '--kubeconfig', kubeconfig, '--dns-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--log-level', 'warn', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let startMs = NaN;
    let dnsPort = 0;
    let httpUrl = '';
    proc.once('exit', (code) => reject(new Error(`ordinal serve exited with ${code}: ${out}`)));
    proc.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /dns listening on udp\+tcp [^ ]*:(\d+).*?(http:\/\/[^\s]+)/.exec(out);
      if (m && !dnsPort) {
        startMs = performance.now() - t0;
        dnsPort = Number(m[1]);
        httpUrl = m[2]!;
      }
      if (out.includes('zone synced')) resolve({ proc, startMs, syncMs: performance.now() - t0, dnsPort, httpUrl });
    });
  });
}

/** Memory of `pid` from /proc (MB): RSS, its anonymous and file-backed parts, the peak; and its CPU seconds so far. */
export function procMemory(pid: number): Record<string, number> {
  const mb = (kb: string | undefined): number => Math.round(Number(kb ?? NaN) / 1024);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (text: string, name: string): string | undefined => new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1];
  // utime + stime in clock ticks (fields 14 and 15, after the parenthesised command name).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return {
    cpuS: +((Number(stat[11]) + Number(stat[12])) / 100).toFixed(1),
    rssMb: mb(field(status, 'VmRSS')), peakRssMb: mb(field(status, 'VmHWM')),
    anonMb: mb(field(rollup, 'Anonymous')), fileMb: mb(field(status, 'RssFile')),
  };
}

/** The process's own view from /metrics: V8 heap, external memory (MB) and the programming histogram. */
export async function scrape(httpUrl: string): Promise<{ heap: Record<string, number>; programming: { le: number; count: number }[] }> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
  const heap: Record<string, number> = {
    heapTotalMb: value(/^ordinal_nodejs_heap_size_total_bytes (\S+)/m),
    heapUsedMb: value(/^ordinal_nodejs_heap_size_used_bytes (\S+)/m),
    externalMb: value(/^ordinal_nodejs_external_memory_bytes (\S+)/m),
  };
  for (const [, space, v] of text.matchAll(/^ordinal_nodejs_heap_space_size_total_bytes\{space="(\w+)"\} (\S+)/gm)) heap[`space_${space}`] = Number(v);
  for (const k of Object.keys(heap)) heap[k] = +(heap[k]! / 2 ** 20).toFixed(1);
  const programming = [...text.matchAll(/^ordinal_dns_programming_duration_seconds_bucket\{le="([^"]+)"\} (\S+)/gm)]
    .map(([, le, c]) => ({ le: le === '+Inf' ? Infinity : Number(le), count: Number(c) }));
  return { heap, programming };
}

/** p50/p99 upper bounds (ms) of the histogram difference `after - before`. */
export function histogramP(before: { le: number; count: number }[], after: { le: number; count: number }[]): { n: number; p50leMs: number; p99leMs: number } {
  const cum = after.map((b, i) => b.count - (before[i]?.count ?? 0));
  const n = cum.at(-1) ?? 0;
  const le = (p: number): number => (after[cum.findIndex((c) => c >= (p / 100) * n)]?.le ?? Infinity) * 1000;
  return { n, p50leMs: le(50), p99leMs: le(99) };
}

function query(name: string, id: number): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')]));
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(1, 4);
  return Buffer.concat([h, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

/**
 * Ask for `names` (A) every `everyMs` until each has an answer; resolves name → wall time of
 * the first answer. Gives up after `timeoutMs`.
 */
export async function pollAnswers(port: number, names: string[], wall: () => number, everyMs = 1, timeoutMs = 30_000): Promise<Map<string, number>> {
  const sock = dgram.createSocket('udp4');
  const waiting = new Map(names.map((n, i) => [i & 0xffff, n] as const));
  const got = new Map<string, number>();
  sock.on('message', (msg) => {
    const name = waiting.get(msg.readUInt16BE(0));
    if (name !== undefined && (msg[3]! & 0x0f) === 0 && msg.readUInt16BE(6) > 0) {
      got.set(name, wall());
      waiting.delete(msg.readUInt16BE(0));
    }
  });
  const end = Date.now() + timeoutMs;
  while (waiting.size > 0 && Date.now() < end) {
    for (const [id, name] of waiting) sock.send(query(name, id), port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, everyMs));
  }
  sock.close();
  return got;
}
