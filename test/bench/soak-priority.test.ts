// The soak's own process runs --harness-nice steps below what it measures; the processes it
// starts (ordinal, dnsperf) start at its original priority, read back from /proc.
import { spawn } from 'node:child_process';
import { getPriority } from 'node:os';
import { expect, it } from 'vitest';
import { atFullPriority, lowerHarness } from '../../bench/soak/priority.ts';
import { parseConfig } from '../../bench/soak/config.ts';

/** The nice value a child reports for itself (proc(5) stat field 19). */
function childNice(start: () => ReturnType<typeof spawn>): Promise<number> {
  const child = start();
  let out = '';
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  return new Promise((resolve) => child.on('close', () => resolve(Number(out.slice(out.lastIndexOf(')') + 2).split(' ')[16]))));
}
const cat = (): ReturnType<typeof spawn> => spawn('cat', ['/proc/self/stat'], { stdio: ['ignore', 'pipe', 'inherit'] });

it('--harness-nice: the soak below, its children at the priority it started with', async () => {
  expect(parseConfig([]).harnessNice).toBe(10);
  expect(parseConfig(['--harness-nice', '0']).harnessNice).toBe(0);
  const before = getPriority(0);
  lowerHarness(parseConfig([]).harnessNice);
  expect(getPriority(0)).toBe(Math.min(19, before + 10));
  expect(await childNice(cat)).toBe(Math.min(19, before + 10));
  expect(await childNice(() => atFullPriority(cat))).toBe(before);
  expect(getPriority(0)).toBe(Math.min(19, before + 10));
});
