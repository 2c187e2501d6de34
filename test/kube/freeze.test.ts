import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freezeSignal, lateness, type Clock } from '../../src/kube/freeze.ts';

describe('freeze detection', () => {
  it.each([
    { name: 'on time', mono: 1000, wall: 1000, late: 0 },
    { name: 'SIGSTOP: both clocks ran', mono: 31_000, wall: 31_000, late: 30_000 },
    { name: 'system suspend: only the wall clock ran', mono: 1000, wall: 61_000, late: 60_000 },
    { name: 'the wall clock stepped back', mono: 1000, wall: -5000, late: 0 },
  ])('lateness: $name', ({ mono, wall, late }) => {
    expect(lateness({ mono: 0, wall: 0 }, { mono, wall }, 1000)).toBe(late);
  });

  it('tells subscribers how long the process stood still, and stops its timer with the last one', async () => {
    let t = 0;
    const clock: Clock = { mono: () => t, wall: () => t };
    const sig = freezeSignal({ tickMs: 10, thresholdMs: 500, clock });
    const heard: number[] = [];
    const off = sig.subscribe((ms) => heard.push(ms));
    t += 10;
    await new Promise((r) => setTimeout(r, 30));
    expect(heard).toEqual([]);
    t += 5000;
    await new Promise((r) => setTimeout(r, 30));
    expect(heard.length).toBe(1);
    expect(heard[0]).toBeGreaterThanOrEqual(5000);
    off();
    t += 5000;
    await new Promise((r) => setTimeout(r, 30));
    expect(heard.length).toBe(1);
  });

  it('notices a real SIGSTOP of the process', async () => {
    // A child subscribes with a 1.5-s threshold and prints what it hears; stopped for 3 s, it must hear one freeze.
    const src = `import { freezeSignal } from ${JSON.stringify(new URL('../../src/kube/freeze.ts', import.meta.url).pathname)};
      freezeSignal({ tickMs: 100, thresholdMs: 1500 }).subscribe((ms) => { console.log('frozen ' + Math.round(ms)); process.exit(0); });
      console.log('ready'); setTimeout(() => {}, 20000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 3000));
    child.kill('SIGCONT');
    expect(await exited).toBe(0);
    const ms = Number(/frozen (\d+)/.exec(out)?.[1]);
    expect(ms).toBeGreaterThanOrEqual(2900);
    expect(ms).toBeLessThan(5000);
  }, 15_000);
});
