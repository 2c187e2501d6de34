// --memory-reduce-interval (cli/memory.ts): after a regular collection V8 keeps the freed pages
// resident; the reducer's memory-reducing collection, every interval, gives them back, and the
// C heap's trim after it gives glibc's free pages back. Measured on this test process's own RSS.
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/cli/config.ts';
import { cHeapTrimmer, startMemoryReducer, type MemoryReducer } from '../../src/cli/memory.ts';
import { silentLogger } from '../../src/log.ts';
import { waitFor } from '../kube/helpers.ts';

const MB = 1024 * 1024;

/** About `mb` MB of small objects that die at once, as a burst of API objects does. */
function burst(mb: number): number {
  let keep: { i: number; s: string; a: number[] }[] | undefined = [];
  for (let i = 0; i < mb * 6_000; i++) keep.push({ i, s: `object-${i}`, a: [i] });
  const n = keep.length;
  keep = undefined;
  return n;
}

describe('--memory-reduce-interval', () => {
  let reducer: MemoryReducer | undefined;
  afterEach(() => reducer?.stop());

  // With the C heap's trim, and without it (no addon, or not glibc): the collection alone.
  it.each([{ trim: 'default' }, { trim: 'none' }])('gives a burst\'s freed heap pages back to the system (trim: $trim)', async ({ trim }) => {
    const base = process.memoryUsage.rss();
    reducer = trim === 'none' ? startMemoryReducer(100, silentLogger(), null) : startMemoryReducer(100, silentLogger());
    burst(300);
    const peak = process.memoryUsage.rss();
    expect(peak - base).toBeGreaterThan(100 * MB);
    await waitFor(() => reducer!.reductions() >= 1, 10_000);
    expect(process.memoryUsage.rss()).toBeLessThan(peak - 100 * MB);
  });

  // Freed C-heap chunks between live ones (Buffers' backing stores here) stay resident in glibc
  // until malloc_trim: without the trim this case fails, RSS staying at its peak.
  it('gives the C heap\'s free pages back too', async () => {
    const trim = cHeapTrimmer();
    expect(trim, 'the addon (npm install builds it) on glibc').toBeDefined();
    const base = process.memoryUsage.rss();
    reducer = startMemoryReducer(100, silentLogger(), trim);
    let stores: Buffer[] | undefined = [];
    const pins: Buffer[] = [];
    for (let i = 0; i < 3_000; i++) {
      stores.push(Buffer.allocUnsafeSlow(64 * 1024).fill(1));
      pins.push(Buffer.allocUnsafeSlow(64));
    }
    const peak = process.memoryUsage.rss();
    expect(peak - base).toBeGreaterThan(150 * MB);
    stores = undefined;
    await waitFor(() => reducer!.reductions() >= 1 && process.memoryUsage.rss() < peak - 120 * MB, 10_000);
    expect(reducer.trims()).toBeGreaterThanOrEqual(1);
    expect(pins.length).toBe(3_000);
  });

  // Every interval, grown or not: a reduction only after growth left one early low that the
  // soak's RSS line read as a climb (issue #14). Each one is followed by one trim.
  it.each([{ trim: 'default' }, { trim: 'none' }])('reduces every interval, whether RSS grew or not (trim: $trim)', async ({ trim }) => {
    reducer = trim === 'none' ? startMemoryReducer(50, silentLogger(), null) : startMemoryReducer(50, silentLogger());
    await waitFor(() => reducer!.reductions() >= 4, 5_000);
    expect(reducer.trims()).toBe(trim === 'none' ? 0 : reducer.reductions());
  });

  it('stops', async () => {
    reducer = startMemoryReducer(20, silentLogger());
    await waitFor(() => reducer!.reductions() >= 1, 5_000);
    reducer.stop();
    const n = reducer.reductions();
    await new Promise((r) => setTimeout(r, 200));
    expect(reducer.reductions()).toBe(n);
  });

  it.each([
    { argv: [] as string[], ms: 60_000 },
    { argv: ['--memory-reduce-interval', '0'], ms: 0 },
    { argv: ['--memory-reduce-interval', '5m'], ms: 300_000 },
  ])('local $argv: every $ms ms', ({ argv, ms }) => {
    const c = parseConfig(['local', ...argv]);
    if (c.command !== 'local') throw new Error('not local');
    expect(c.local.memoryReduceIntervalMs).toBe(ms);
  });

  it('rejects a bad interval', () => {
    expect(() => parseConfig(['local', '--memory-reduce-interval', 'soon'])).toThrow(/--memory-reduce-interval/);
  });
});
