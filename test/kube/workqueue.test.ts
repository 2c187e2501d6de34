import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { createWorkQueue, TerminalError, type WorkQueue } from '../../src/kube/workqueue.ts';
import { itemBackoff, reserve } from '../../src/kube/ratelimit.ts';
import { waitFor } from './helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('rate-limit arithmetic', () => {
  it.each([
    { failures: 0, want: 0 },
    { failures: 1, want: 5 },
    { failures: 2, want: 10 },
    { failures: 5, want: 80 },
    { failures: 20, want: 1000 },
    { failures: 500, want: 1000 },
  ])('item backoff after $failures failures is $want ms', ({ failures, want }) => {
    expect(itemBackoff(failures, 5, 1000)).toBe(want);
  });

  it('token bucket allows a burst, then spaces reservations at 1/qps', () => {
    let b = { tokens: 3, at: 0 };
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = reserve(b, 0, 10, 3);
      b = r.bucket;
      delays.push(r.delayMs);
    }
    expect(delays).toEqual([0, 0, 0, 100, 200]);
    // After a second the bucket has refilled (capped at burst).
    expect(reserve(b, 10_000, 10, 3).delayMs).toBe(0);
  });
});

describe('work queue', () => {
  const queues: WorkQueue[] = [];
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.shutdown()));
  });
  function make(extra: { baseDelayMs?: number; maxDelayMs?: number; qps?: number; burst?: number } = {}): WorkQueue {
    const q = createWorkQueue({ log: silentLogger(), name: 'test', ...extra });
    queues.push(q);
    return q;
  }

  it('deduplicates keys that wait in the queue', async () => {
    const q = make();
    const seen: string[] = [];
    for (const k of ['a', 'b', 'a', 'a', 'c', 'b']) q.add(k);
    q.start(async (k) => void seen.push(k), 1);
    await waitFor(() => seen.length === 3);
    await sleep(20);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('never runs a key twice at once, and re-adds during processing run once afterwards', async () => {
    const q = make();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    q.start(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs++;
      await sleep(30);
      running--;
    }, 4);
    q.add('k');
    await waitFor(() => runs === 1);
    for (let i = 0; i < 10; i++) q.add('k');
    await waitFor(() => runs === 2 && running === 0);
    await sleep(60);
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('processes different keys concurrently up to the concurrency', async () => {
    const q = make();
    let running = 0;
    let maxRunning = 0;
    let done = 0;
    q.start(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(20);
      running--;
      done++;
    }, 3);
    for (let i = 0; i < 9; i++) q.add(`k${i}`);
    await waitFor(() => done === 9);
    expect(maxRunning).toBe(3);
  });

  it('retries failures with growing per-key backoff and forgets on success', async () => {
    const q = make({ baseDelayMs: 10, maxDelayMs: 1000 });
    const times: number[] = [];
    q.start(async () => {
      times.push(Date.now());
      if (times.length < 4) throw new Error('transient');
    }, 1);
    q.add('k');
    await waitFor(() => times.length === 4, 3000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(9);
    expect(gaps[1]).toBeGreaterThanOrEqual(19);
    expect(gaps[2]).toBeGreaterThanOrEqual(39);
    expect(q.numRequeues('k')).toBe(0);
    expect(q.stats()).toMatchObject({ failures: 3, retries: 3, processed: 4 });
  });

  it('does not retry a TerminalError', async () => {
    const q = make({ baseDelayMs: 1 });
    let runs = 0;
    q.start(async () => {
      runs++;
      throw new TerminalError('invalid spec');
    }, 1);
    q.add('k');
    await sleep(100);
    expect(runs).toBe(1);
  });

  it('the overall token bucket limits the retry rate across keys', async () => {
    const q = make({ baseDelayMs: 1, qps: 20, burst: 1 });
    let runs = 0;
    q.start(async () => {
      runs++;
      throw new Error('always');
    }, 2);
    for (let i = 0; i < 10; i++) q.add(`k${i}`);
    await sleep(250);
    // 10 first attempts + about 20 qps × 0.25 s retries; per-key backoff alone would allow hundreds.
    expect(runs).toBeGreaterThanOrEqual(11);
    expect(runs).toBeLessThanOrEqual(18);
  });

  it('addAfter delays, and the earliest deadline wins', async () => {
    const q = make();
    const seen: [string, number][] = [];
    const t0 = Date.now();
    q.start(async (k) => void seen.push([k, Date.now() - t0]), 1);
    q.addAfter('late', 200);
    q.addAfter('late', 50);
    q.addAfter('later', 100);
    await waitFor(() => seen.length === 2);
    await sleep(250);
    expect(seen.map(([k]) => k)).toEqual(['late', 'later']);
    expect(seen[0]![1]).toBeGreaterThanOrEqual(45);
    expect(seen[0]![1]).toBeLessThan(190);
  });

  it('shutdown waits for in-flight work, drops pending keys and ignores new adds', async () => {
    const q = make();
    const seen: string[] = [];
    let finished = false;
    q.start(async (k) => {
      seen.push(k);
      if (k === 'slow') {
        await sleep(50);
        finished = true;
      }
    }, 1);
    q.add('slow');
    q.add('pending');
    q.addAfter('delayed', 20);
    await waitFor(() => seen.length === 1);
    await q.shutdown();
    expect(finished).toBe(true);
    q.add('after');
    await sleep(50);
    expect(seen).toEqual(['slow']);
  });
});
