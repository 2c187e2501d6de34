/**
 * @module `--workers N`: N DNS worker threads on one port, fed the zone by the main thread
 * (zone-feed.ts), and kept at N: a worker that exits unexpectedly is restarted, with a growing
 * delay while it keeps dying young, and the others keep serving meanwhile (their sockets stay
 * in the port's SO_REUSEPORT group; the dead one's leaves it with its thread).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseHostPort } from '../dns/address.ts';
import type { UdpStats } from '../dns/udp-batch.ts';
import type { Logger } from '../log.ts';
import type { ServeConfig } from './config.ts';
import type { WorkerInit, WorkerMessage } from './dns-worker.ts';
import type { ZoneFeed } from './zone-feed.ts';

/** `--workers 0` = one per core the process may use (respects a container's CPU limit). */
export function workerCount(n: number): number {
  return n === 0 ? availableParallelism() : n;
}

export interface WorkerPool {
  readonly address: string;
  readonly port: number;
  readonly udpIo: 'batch' | 'dgram';
  /** The live threads, by index (tests kill one). */
  workers(): readonly Worker[];
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

function spawn(init: WorkerInit, feed: ZoneFeed): Promise<{ worker: Worker; port: number }> {
  // Same extension as this module: .ts when run from source, .js from the dist/ build.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const worker = new Worker(new URL(`./dns-worker${ext}`, import.meta.url), { workerData: init });
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

/** Start `count` workers; the first picks the port when it is 0, the rest join it. */
export async function startWorkerPool(cfg: ServeConfig & { udpIo: 'batch' | 'dgram' }, count: number, feed: ZoneFeed, log: Logger): Promise<WorkerPool> {
  const workers: (Worker | undefined)[] = [];
  let stopping = false;
  let restarts = 0;
  let port = parseHostPort(cfg.dnsListen).port;
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
      spawn({ cfg, port, index }, feed).then(
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

  try {
    for (let i = 0; i < count; i++) {
      const started = await spawn({ cfg, port, index: i }, feed);
      port = started.port;
      supervise(i, started.worker);
    }
  } catch (err) {
    await close();
    throw err;
  }
  log.info({ workers: count, port, udpIo: cfg.udpIo }, 'dns workers listening');

  return {
    address: parseHostPort(cfg.dnsListen).host,
    port,
    udpIo: cfg.udpIo,
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
