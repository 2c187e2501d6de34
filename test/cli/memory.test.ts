// --memory-reduce-interval (cli/memory.ts): after a regular collection V8 keeps the freed pages
// resident; the reducer's memory-reducing collection gives them back, and a quiet process (RSS
// not grown) is left alone. Measured on this test process's own RSS.
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
    expect(reducer.trims()).toBeGreaterThanOrEqual(2);
    expect(pins.length).toBe(3_000);
  });

  it('leaves a process whose RSS has not grown alone', async () => {
    reducer = startMemoryReducer(50, silentLogger());
    await new Promise((r) => setTimeout(r, 400));
    expect(reducer.reductions()).toBe(0);
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
