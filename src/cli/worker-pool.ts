/**
 * @module `--workers N`: N DNS worker threads on one port, fed the zone by the main thread
 * (zone-feed.ts), and kept at N: a worker that exits unexpectedly is restarted, with a growing
 * delay while it keeps dying young, and the others keep serving meanwhile (their sockets stay
 * in the port's SO_REUSEPORT group; the dead one's leaves it with its thread).
 *
 * With zone transfers allowed (`--transfer-to`), TCP is served by one more thread of its own and
 * the N workers serve UDP only. A transfer streams megabytes: on a thread that also answers UDP,
 * its writes and their garbage collections hold up the queries queued behind them (issue #12: p99
 * of pod-A queries during 50 concurrent AXFRs; bench/RESULTS.md). On its own thread, with its own
 * heap and event loop, it competes for CPU only, where the kernel favours the mostly idle UDP
 * threads. That thread also sends the NOTIFYs.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseHostPort } from '../dns/address.ts';
import type { UdpStats } from '../dns/udp-batch.ts';
import type { Logger } from '../log.ts';
import type { Protocols } from '../dns/server.ts';
import type { ServeConfig } from './config.ts';
import type { WorkerInit, WorkerMessage } from './dns-worker.ts';
import type { ZoneFeed } from './zone-feed.ts';
import { spawnAtBase } from './priority.ts';

/** `--workers 0` = one per core the process may use (respects a container's CPU limit). */
export function workerCount(n: number): number {
  return n === 0 ? availableParallelism() : n;
}

export interface WorkerPool {
  readonly address: string;
  readonly port: number;
  readonly udpIo: 'batch' | 'dgram';
  /** The live threads, by index (tests kill one); with `tcpThread`, the TCP thread is the last. */
  workers(): readonly Worker[];
  /** UDP (or UDP and TCP) threads: N of `--workers N`. */
  readonly udpThreads: number;
  /** TCP, zone transfers included, is served by a thread of its own. */
  readonly tcpThread: boolean;
  /** Restarts so far. */
  restarts(): number;
  /** Sum over the workers: their batched-UDP counters and answered queries; each one's metrics. */
  stats(): Promise<{ udp: UdpStats | undefined; queries: number; metrics: object[][] }>;
  close(): Promise<void>;
}

const MIN_DELAY_MS = 100;
const MAX_DELAY_MS = 5000;
/** A worker that ran at least this long before dying restarts at once. */
const HEALTHY_MS = 10_000;

function spawn(init: WorkerInit, feed: ZoneFeed, log: Logger): Promise<{ worker: Worker; port: number }> {
  // Same extension as this module: .ts when run from source, .js from the dist/ build.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const worker = spawnAtBase(() => new Worker(new URL(`./dns-worker${ext}`, import.meta.url), { workerData: init }), log);
  feed.attach(worker);
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      feed.detach(worker);
      worker.off('message', onMessage);
      void worker.terminate();
      reject(err);
    };
    const onMessage = (m: WorkerMessage): void => {
      if (m.type === 'listening') {
        worker.off('message', onMessage);
        worker.off('error', fail);
        worker.off('exit', onExit);
        resolve({ worker, port: m.port });
      } else if (m.type === 'error') fail(new Error(m.message));
    };
    const onExit = (code: number): void => fail(new Error(`dns worker ${init.index} exited with code ${code}`));
    worker.on('message', onMessage);
    worker.once('error', fail);
    worker.once('exit', onExit);
  });
}

function sumUdp(all: (UdpStats | undefined)[]): UdpStats | undefined {
  const present = all.filter((s): s is UdpStats => s !== undefined);
  if (present.length === 0) return undefined;
  const out = { ...present[0]! };
  for (const s of present.slice(1)) for (const k of Object.keys(out) as (keyof UdpStats)[]) out[k] += s[k];
  return out;
}

/** What thread `index` of a pool of `count` workers serves. */
export function threadRole(count: number, tcpThread: boolean, index: number): { protocols: Protocols; notify: boolean } {
  if (!tcpThread) return { protocols: 'udp+tcp', notify: index === 0 };
  return index === count ? { protocols: 'tcp', notify: true } : { protocols: 'udp', notify: false };
}

/** ` (2 workers)`, ` (1 worker, TCP and zone transfers on a thread of their own)`, or nothing in process. */
export function threadsNote(p: { udpThreads?: number; tcpThread?: boolean }): string {
  if (p.udpThreads === undefined) return '';
  const n = `${p.udpThreads} worker${p.udpThreads === 1 ? '' : 's'}`;
  if (!p.tcpThread) return p.udpThreads > 1 ? ` (${n})` : '';
  return ` (${n}, TCP and zone transfers on a thread of their own)`;
}

/**
 * DNS runs on threads of its own (the pool) with more than one worker; with zone transfers
 * (TCP gets a thread of its own); and with --dns-rt-priority or --dns-deadline, which must not
 * raise the thread that also holds the watches (and in `ordinal local` the API server) above
 * everything else.
 */
export function usesPool(cfg: ServeConfig, workers: number): boolean {
  return workers > 1 || wantsTcpThread(cfg) || realtimeDns(cfg);
}

/** The DNS threads run under a realtime policy (SCHED_RR or SCHED_DEADLINE). */
export function realtimeDns(cfg: ServeConfig): boolean {
  return cfg.dnsRtPriority > 0 || cfg.dnsDeadline !== undefined;
}

/** Zone transfers may be served: TCP then gets a thread of its own. */
export function wantsTcpThread(cfg: ServeConfig): boolean {
  return cfg.transferTo.length > 0;
}

/**
 * Start `count` workers (plus the TCP thread when transfers are allowed); the first started picks
 * the port when it is 0, the rest join it. If one of those cannot bind the number the first got
 * (another process holds it for the other protocol), all start again on a new port.
 */
export async function startWorkerPool(cfg: ServeConfig & { udpIo: 'batch' | 'dgram' }, count: number, feed: ZoneFeed, log: Logger): Promise<WorkerPool> {
  const tcpThread = wantsTcpThread(cfg);
  const threads = count + (tcpThread ? 1 : 0);
  // libuv starts its thread pool on first use, and a new thread takes its creator's scheduling
  // policy: started by a realtime DNS thread (its logger writes through the pool), the pool would
  // run this thread's file I/O at realtime priority too. So this thread starts it first.
  if (realtimeDns(cfg)) await stat(process.execPath);
  const initOf = (index: number, port: number): WorkerInit => ({ cfg, port, index, ...threadRole(count, tcpThread, index) });
  const { host, port } = parseHostPort(cfg.dnsListen);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startThreads(threads, initOf, feed, log, { count, tcpThread, udpIo: cfg.udpIo, host, port });
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt >= PORT_ATTEMPTS) throw err instanceof PortTaken ? err.cause : err;
    }
  }
}

const PORT_ATTEMPTS = 10;

/** A thread after the first failed to start on the port the first one picked (port 0). */
class PortTaken extends Error {}

interface PoolShape { count: number; tcpThread: boolean; udpIo: 'batch' | 'dgram'; host: string; port: number }

async function startThreads(threads: number, initOf: (index: number, port: number) => WorkerInit, feed: ZoneFeed, log: Logger, shape: PoolShape): Promise<WorkerPool> {
  const workers: (Worker | undefined)[] = [];
  let stopping = false;
  let restarts = 0;
  let port = shape.port;
  let statsId = 0;

  const supervise = (index: number, worker: Worker): void => {
    const born = Date.now();
    workers[index] = worker;
    worker.on('error', (err) => log.error({ err, worker: index }, 'dns worker failed'));
    worker.once('exit', (code) => {
      feed.detach(worker);
      if (workers[index] === worker) workers[index] = undefined;
      if (stopping) return;
      log.warn({ worker: index, code }, 'dns worker exited; restarting it');
      restart(index, Date.now() - born >= HEALTHY_MS ? 0 : MIN_DELAY_MS);
    });
  };

  const restart = (index: number, delayMs: number): void => {
    const timer = setTimeout(() => {
      if (stopping) return;
      spawn(initOf(index, port), feed, log).then(
        ({ worker: w }) => {
          restarts++;
          if (stopping) void w.terminate();
          else supervise(index, w);
        },
        (err: unknown) => {
          log.error({ err, worker: index }, 'dns worker did not restart; retrying');
          restart(index, Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, delayMs * 2)));
        },
      );
    }, delayMs);
    timer.unref();
  };

  const close = async (): Promise<void> => {
    stopping = true;
    await Promise.all(workers.filter((w) => w !== undefined).map((w) => new Promise<void>((done) => {
      w.once('exit', () => done());
      w.postMessage('stop');
      setTimeout(() => void w.terminate(), 2000).unref();
    })));
  };

  // The TCP thread (the last index) starts first: with port 0 it picks the number.
  const order = shape.tcpThread ? [threads - 1, ...Array.from({ length: threads - 1 }, (_, i) => i)] : Array.from({ length: threads }, (_, i) => i);
  for (const [n, i] of order.entries()) {
    try {
      const started = await spawn(initOf(i, port), feed, log);
      port = started.port;
      supervise(i, started.worker);
    } catch (err) {
      await close();
      throw shape.port === 0 && n > 0 ? new PortTaken(`port ${port} taken`, { cause: err }) : err;
    }
  }
  log.info({ workers: shape.count, tcpThread: shape.tcpThread, port, udpIo: shape.udpIo }, 'dns workers listening');

  return {
    address: shape.host,
    port,
    udpIo: shape.udpIo,
    udpThreads: shape.count,
    tcpThread: shape.tcpThread,
    workers: () => workers.filter((w) => w !== undefined),
    restarts: () => restarts,
    close,
    async stats() {
      const id = ++statsId;
      const live = workers.filter((w) => w !== undefined);
      const replies = await Promise.all(live.map((w) => new Promise<WorkerMessage & { type: 'stats' } | undefined>((resolve) => {
        const timer = setTimeout(() => { w.off('message', on); resolve(undefined); }, 1000);
        const on = (m: WorkerMessage): void => {
          if (m.type !== 'stats' || m.id !== id) return;
          clearTimeout(timer);
          w.off('message', on);
          resolve(m);
        };
        w.on('message', on);
        w.postMessage({ type: 'stats', id });
      })));
      return {
        udp: sumUdp(replies.map((r) => r?.udp)),
        queries: replies.reduce((a, r) => a + (r?.queries ?? 0), 0),
        metrics: replies.flatMap((r) => (r ? [r.metrics] : [])),
      };
    },
  };
}
