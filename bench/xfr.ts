/**
 * Pod-A latency while zone transfers stream: `ordinal serve` with a 10,000-pod headless service,
 * then pod A queries over UDP (paced, one at a time) first alone and then while 50 TCP clients
 * each run back-to-back AXFRs of the whole zone (in a worker thread, counting bytes only). The
 * issue's bar: p99 of pod-A queries stays under 5 ms during the transfers.
 *
 * Usage: node_modules/.bin/node bench/xfr.ts [pods=10000] [clients=50] [seconds=10] [qps=1000]
 * Needs a quiet machine for meaningful numbers; prints one JSON line per phase.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const AXFR = (id: number): Buffer => {
  const name = Buffer.from([7, ...Buffer.from('cluster'), 5, ...Buffer.from('local'), 0]);
  const q = Buffer.concat([Buffer.from([id >> 8, id & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), name, Buffer.from([0, 252, 0, 1])]);
  return Buffer.concat([Buffer.from([q.length >> 8, q.length & 0xff]), q]);
};

function skipName(m: Buffer, p: number): number {
  for (;;) {
    const len = m[p]!;
    if (len === 0) return p + 1;
    if ((len & 0xc0) === 0xc0) return p + 2;
    p += len + 1;
  }
}

/** SOA records in a message's answer section (the transfer ends at the second one). */
function countSoas(m: Buffer): number {
  let p = skipName(m, 12) + 4;
  let n = 0;
  for (let i = 0; i < m.readUInt16BE(6); i++) {
    p = skipName(m, p);
    if (m.readUInt16BE(p) === 6) n++;
    p += 10 + m.readUInt16BE(p + 8);
  }
  return n;
}

/** Worker: `clients` connections, each sending AXFR after AXFR, reading until the closing SOA. */
function transferLoad(port: number, clients: number): void {
  let stop = false;
  let transfers = 0;
  let bytes = 0;
  parentPort!.on('message', () => { stop = true; });
  const one = (): void => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    let soas = 0;
    const ask = (): void => { soas = 0; sock.write(AXFR(transfers & 0xffff)); };
    sock.on('connect', ask);
    sock.on('data', (chunk) => {
      bytes += chunk.length;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + m.length);
        soas += countSoas(m);
        if (soas >= 2) {
          transfers++;
          if (stop) { sock.destroy(); return; }
          ask();
        }
      }
    });
    sock.on('error', () => undefined);
  };
  for (let i = 0; i < clients; i++) one();
  setInterval(() => parentPort!.postMessage({ transfers, bytes }), 500);
}

function manifests(pods: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ordinal-bench-xfr-'));
  const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: big, namespace: default}\nspec:\n  clusterIP: None\n  selector: {app: big}\n  ports: [{name: peer, port: 7000}]\n';
  const docs = Array.from({ length: pods }, (_, i) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: big-${i}, namespace: default, labels: {app: big}}\n` +
    `spec: {hostname: big-${i}, subdomain: big, containers: [{name: c, image: x}]}\n` +
    `status: {phase: Running, podIP: 10.${100 + Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}, conditions: [{type: Ready, status: "True"}]}\n`);
  writeFileSync(path.join(dir, 'big.yaml'), svc + docs.join(''));
  return dir;
}

function podQuery(i: number, id: number): Buffer {
  const labels = [`big-${i}`, 'big', 'default', 'svc', 'cluster', 'local'];
  const name = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  return Buffer.concat([Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), name, Buffer.from([0, 1, 0, 1])]);
}

/** Paced UDP pod-A queries, one outstanding at a time; returns latencies in ms. */
async function measure(port: number, pods: number, seconds: number, qps: number): Promise<number[]> {
  const sock = dgram.createSocket('udp4');
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let id = 0;
  try {
    while (performance.now() < end) {
      const t0 = performance.now();
      const q = podQuery(Math.floor(Math.random() * pods), ++id & 0xffff);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { sock.off('message', on); lat.push(1000); resolve(); }, 1000);
        const on = (): void => { clearTimeout(timer); sock.off('message', on); lat.push(performance.now() - t0); resolve(); };
        sock.on('message', on);
        sock.send(q, port, '127.0.0.1');
      });
      const wait = 1000 / qps - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  } finally {
    sock.close();
  }
  return lat;
}

function summary(phase: string, lat: number[], extra: object = {}): string {
  const s = [...lat].sort((a, b) => a - b);
  const q = (p: number): number => Number((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(3));
  return JSON.stringify({ phase, queries: s.length, p50_ms: q(0.5), p99_ms: q(0.99), max_ms: q(1), ...extra });
}

async function main(): Promise<void> {
  const [pods = 10_000, clients = 50, seconds = 10, qps = 1000] = process.argv.slice(2).map(Number);
  const dir = manifests(pods);
  const child = spawn(process.execPath, ['bin/ordinal.js', 'serve', '--manifests', dir, '--dns-listen', '127.0.0.1:0',
    '--transfer-to', '127.0.0.1', '--log-level', 'warn', '--tcp-max-connections', String(clients + 10)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => { out += d; const m = /udp\+tcp 127\.0\.0\.1:(\d+)/.exec(out); if (m) resolve(Number(m[1])); });
      child.once('exit', (code) => reject(new Error(`ordinal serve exited with ${code}`)));
    });
    await new Promise((r) => setTimeout(r, 1500)); // the zone's serial is sealed at the next second
    console.log(summary('alone', await measure(port, pods, seconds, qps)));
    const worker = new Worker(new URL(import.meta.url), { workerData: { port, clients } });
    let last = { transfers: 0, bytes: 0 };
    worker.on('message', (m: typeof last) => { last = m; });
    await new Promise((r) => setTimeout(r, 500));
    const start = { ...last };
    const lat = await measure(port, pods, seconds, qps);
    const done = { transfers: last.transfers - start.transfers, mbytes: Number(((last.bytes - start.bytes) / 1e6).toFixed(1)) };
    console.log(summary(`during ${clients} concurrent AXFRs`, lat, { ...done, axfr_per_s: Number((done.transfers / seconds).toFixed(1)) }));
    worker.postMessage('stop');
    await worker.terminate();
  } finally {
    child.kill('SIGTERM');
  }
}

if (isMainThread) await main();
else transferLoad((workerData as { port: number }).port, (workerData as { clients: number }).clients);
