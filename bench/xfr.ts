/**
 * Pod-A latency while zone transfers stream: `ordinal serve` with a 10,000-pod headless service,
 * then pod A queries over UDP first alone and then while 50 TCP clients each run back-to-back
 * AXFRs of the whole zone (in a worker thread that follows the framing and checks each message's
 * header and the closing SOA, without decoding records). The bar: p99 of pod-A queries
 * stays under 5 ms during the transfers.
 *
 * Usage: node_modules/.bin/node bench/xfr.ts [pods=10000] [clients=50] [seconds=20] [qps=1000] [open|closed]
 * `open` (default) sends at a fixed rate regardless of answers; `closed` is the first version's
 * measurer (one query outstanding, paced by setTimeout). XFR_SERVER_NODE_ARGS adds node flags to
 * the server (profiling: bench/xfr-loop-delay.ts). Prints one JSON line per phase.
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

/**
 * Reads one connection's transfers without decoding them: it follows the 2-byte TCP framing,
 * checks each message's header (our ID, QR, NOERROR, records in the answer), takes the SOA's
 * TYPE..RDATA from the first message, and ends a transfer at the message whose last bytes are
 * that SOA again (RFC 5936 §2.2: the closing SOA is the last record). Per 64-KiB chunk it only
 * copies a few dozen bytes, so 100 MB/s of transfers costs this thread little.
 */
export class TransferReader {
  #lenBytes: number[] = [];
  #left = 0;
  #header = Buffer.alloc(12);
  #headerHave = 0;
  /** The whole first message of a transfer (to find the SOA); null afterwards. */
  #first: Buffer | null = null;
  #firstHave = 0;
  #soa: Buffer | null = null;
  /** Last bytes of the current message seen in earlier chunks. */
  #tail = Buffer.alloc(0);
  #messages = 0;
  #bytes = 0;
  id = 0;
  errors = 0;

  /** Start reading a new transfer (after sending its query with `id`). */
  start(id: number): void {
    this.id = id;
    this.#soa = null;
    this.#messages = 0;
    this.#bytes = 0;
  }

  /** Feeds one chunk; calls `done(messages, bytes)` at the end of each transfer. */
  feed(chunk: Buffer, done: (messages: number, bytes: number) => void): void {
    let p = 0;
    while (p < chunk.length) {
      if (this.#left === 0) {
        this.#lenBytes.push(chunk[p++]!);
        if (this.#lenBytes.length < 2) continue;
        this.#left = (this.#lenBytes[0]! << 8) | this.#lenBytes[1]!;
        this.#lenBytes = [];
        this.#headerHave = 0;
        this.#tail = Buffer.alloc(0);
        this.#first = this.#soa === null ? Buffer.allocUnsafe(this.#left) : null;
        this.#firstHave = 0;
        this.#bytes += 2 + this.#left;
        continue;
      }
      const n = Math.min(this.#left, chunk.length - p);
      const seg = chunk.subarray(p, p + n);
      if (this.#headerHave < 12) this.#headerHave += seg.copy(this.#header, this.#headerHave, 0, Math.min(n, 12 - this.#headerHave));
      if (this.#first) this.#firstHave += seg.copy(this.#first, this.#firstHave);
      p += n;
      this.#left -= n;
      const k = this.#soa?.length ?? 0;
      const last = seg.length >= k ? seg.subarray(seg.length - k) : Buffer.concat([this.#tail, seg]).subarray(-k);
      if (this.#left > 0) { this.#tail = Buffer.from(last); continue; }
      if (this.#endOfMessage(last)) done(this.#messages, this.#bytes);
    }
  }

  /** True when this message closes the transfer. */
  #endOfMessage(last: Buffer): boolean {
    const h = this.#header;
    this.#messages++;
    if (h.readUInt16BE(0) !== this.id || (h[2]! & 0x80) === 0 || (h[3]! & 0x0f) !== 0 || h.readUInt16BE(6) === 0) this.errors++;
    if (this.#first) {
      const m = this.#first;
      this.#first = null;
      let q = skipName(m, 12) + 4;
      q = skipName(m, q);
      if (m.readUInt16BE(q) !== 6) { this.errors++; return true; }
      this.#soa = Buffer.from(m.subarray(q, q + 10 + m.readUInt16BE(q + 8)));
      // A one-message transfer: the SOA again at its end, after at least one other record.
      return h.readUInt16BE(6) >= 3 && m.subarray(m.length - this.#soa.length).equals(this.#soa);
    }
    return last.equals(this.#soa!);
  }
}

/** Worker: `clients` connections, each sending AXFR after AXFR, reading until the closing SOA. */
function transferLoad(port: number, clients: number): void {
  let stop = false;
  let transfers = 0;
  let bytes = 0;
  let errors = 0;
  const sizes = new Set<number>();
  const readers: TransferReader[] = [];
  parentPort!.on('message', () => { stop = true; });
  const one = (): void => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const reader = new TransferReader();
    const ask = (): void => { reader.start(transfers & 0xffff); sock.write(AXFR(reader.id)); };
    sock.on('connect', ask);
    sock.on('data', (chunk) => {
      bytes += chunk.length;
      reader.feed(chunk, (_messages, size) => {
        transfers++;
        sizes.add(size);
        if (stop) { sock.destroy(); return; }
        ask();
      });
    });
    sock.on('error', () => { errors++; });
    readers.push(reader);
  };
  for (let i = 0; i < clients; i++) one();
  setInterval(() => {
    const bad = errors + readers.reduce((s, r) => s + r.errors, 0);
    parentPort!.postMessage({ transfers, bytes, errors: bad, sizes: sizes.size });
  }, 500);
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

const TIMEOUT_MS = 1000;

interface Measured {
  /** Latency of every query in ms, unanswered ones as TIMEOUT_MS. */
  readonly lat: number[];
  readonly lost: number;
  /** Answers that were not NOERROR with a record. */
  readonly bad: number;
}

function podQuery(i: number, id: number): Buffer {
  const labels = [`big-${i}`, 'big', 'default', 'svc', 'cluster', 'local'];
  const name = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  return Buffer.concat([Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), name, Buffer.from([0, 1, 0, 1])]);
}

/** Closed loop (the first version of this bench): one query outstanding, paced by setTimeout. */
async function measureClosed(port: number, pods: number, seconds: number, qps: number): Promise<Measured> {
  const sock = dgram.createSocket('udp4');
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let id = 0;
  let lost = 0;
  try {
    while (performance.now() < end) {
      const t0 = performance.now();
      const q = podQuery(Math.floor(Math.random() * pods), ++id & 0xffff);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { sock.off('message', on); lat.push(TIMEOUT_MS); lost++; resolve(); }, TIMEOUT_MS);
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
  return { lat, lost, bad: 0 };
}

/**
 * Open loop: queries leave on a fixed schedule (`qps` per second, several per timer tick when
 * the timer is late) whether or not earlier ones were answered, each with its own ID, so one
 * slow answer does not delay or hide the queries behind it. Latency runs from the moment a
 * query was handed to the socket; a query unanswered after 1 s counts as 1000 ms ("lost").
 */
async function measureOpen(port: number, pods: number, seconds: number, qps: number): Promise<Measured> {
  const sock = dgram.createSocket('udp4');
  const total = Math.min(Math.round(seconds * qps), 65535);
  const sentAt = new Float64Array(total + 1);
  const lat: number[] = [];
  let bad = 0;
  sock.on('message', (m) => {
    const id = m.readUInt16BE(0);
    if (id === 0 || id > total || sentAt[id] === 0) return;
    lat.push(performance.now() - sentAt[id]!);
    sentAt[id] = 0;
    // NOERROR with an answer: the pod's A record.
    if ((m[3]! & 0x0f) !== 0 || m.readUInt16BE(6) === 0) bad++;
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * qps) / 1000) + 1);
      while (sent < due) {
        sent++;
        sentAt[sent] = performance.now();
        sock.send(podQuery(Math.floor(Math.random() * pods), sent), port, '127.0.0.1');
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + (sent * 1000) / qps - performance.now()));
      else resolve();
    };
    tick();
  });
  await new Promise((r) => setTimeout(r, TIMEOUT_MS));
  sock.close();
  let lost = 0;
  for (let id = 1; id <= total; id++) if (sentAt[id] !== 0) { lost++; lat.push(TIMEOUT_MS); }
  return { lat, lost, bad };
}

function summary(phase: string, m: Measured, extra: object = {}): string {
  const s = [...m.lat].sort((a, b) => a - b);
  const q = (p: number): number => Number((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(3));
  return JSON.stringify({ phase, queries: s.length, lost: m.lost, bad_answers: m.bad, p50_ms: q(0.5), p99_ms: q(0.99), p999_ms: q(0.999), max_ms: q(1), ...extra });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const [pods = 10_000, clients = 50, seconds = 20, qps = 1000] = args.slice(0, 4).map(Number);
  const mode = args[4] ?? 'open';
  if (mode !== 'open' && mode !== 'closed') throw new Error(`mode must be open or closed, not ${mode}`);
  const measure = mode === 'open' ? measureOpen : measureClosed;
  const dir = manifests(pods);
  // Extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=bench/out --import ./bench/xfr-loop-delay.ts".
  const nodeArgs = (process.env.XFR_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, 'bin/ordinal.js', 'serve', '--manifests', dir, '--dns-listen', '127.0.0.1:0',
    '--transfer-to', '127.0.0.1', '--log-level', 'warn', '--tcp-max-connections', String(clients + 10)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => { out += d; const m = /udp\+tcp 127\.0\.0\.1:(\d+)/.exec(out); if (m) resolve(Number(m[1])); });
      child.once('exit', (code) => reject(new Error(`ordinal serve exited with ${code}`)));
    });
    console.log(JSON.stringify({ pods, clients, seconds, qps, mode, server: child.pid }));
    await new Promise((r) => setTimeout(r, 1500)); // the zone's serial is sealed at the next second
    console.log(summary('alone', await measure(port, pods, seconds, qps)));
    const worker = new Worker(new URL(import.meta.url), { workerData: { port, clients } });
    let last = { transfers: 0, bytes: 0, errors: 0, sizes: 0 };
    worker.on('message', (m: typeof last) => { last = m; });
    await new Promise((r) => setTimeout(r, 1000));
    const start = { ...last };
    const t0 = performance.now();
    const lat = await measure(port, pods, seconds, qps);
    const s = (performance.now() - t0) / 1000;
    const done = { transfers: last.transfers - start.transfers, mbytes: Number(((last.bytes - start.bytes) / 1e6).toFixed(1)) };
    // transfer_sizes: distinct byte counts of complete transfers (1: every transfer was the same snapshot, byte for byte in length).
    console.log(summary(`during ${clients} concurrent AXFRs`, lat, { ...done, axfr_per_s: Number((done.transfers / s).toFixed(1)), client_errors: last.errors, transfer_sizes: last.sizes }));
    worker.postMessage('stop');
    await worker.terminate();
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
}

if (isMainThread) await main();
else transferLoad((workerData as { port: number }).port, (workerData as { clients: number }).clients);
