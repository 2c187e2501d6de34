import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freezeSignal, lateness, stoodStill, type Clock } from '../../src/kube/freeze.ts';

describe('freeze detection', () => {
  it.each([
    { name: 'on time', mono: 1000, wall: 1000, late: 0 },
    { name: 'SIGSTOP: both clocks ran', mono: 31_000, wall: 31_000, late: 30_000 },
    { name: 'system suspend: only the wall clock ran', mono: 1000, wall: 61_000, late: 60_000 },
    { name: 'the wall clock stepped back', mono: 1000, wall: -5000, late: 0 },
  ])('lateness: $name', ({ mono, wall, late }) => {
    expect(lateness({ mono: 0, wall: 0 }, { mono, wall }, 1000)).toBe(late);
  });

  it.each([
    { name: 'a 30-s gap with the CPU idle: stopped', gap: 30_000, cpu: 40, stopped: true },
    { name: 'a 5-s gap spent computing: a blocked loop', gap: 5000, cpu: 4900, stopped: false },
    { name: 'half of it computing: a blocked loop that then waited on I/O', gap: 4000, cpu: 2000, stopped: false },
  ])('stoodStill: $name', ({ gap, cpu, stopped }) => {
    expect(stoodStill(gap, cpu)).toBe(stopped);
  });

  it('tells subscribers how long the process stood still and whether it was stopped, and stops its timer with the last one', async () => {
    let t = 0;
    let cpu = 0;
    const clock: Clock = { mono: () => t, wall: () => t, cpu: () => cpu };
    const sig = freezeSignal({ tickMs: 10, thresholdMs: 500, clock });
    const heard: { ms: number; stopped: boolean; at: number }[] = [];
    const off = sig.subscribe((ms, info) => heard.push({ ms, ...info }));
    t += 10;
    await new Promise((r) => setTimeout(r, 30));
    expect(heard).toEqual([]);
    t += 5000;
    await new Promise((r) => setTimeout(r, 30));
    expect(heard.length).toBe(1);
    expect(heard[0]!.ms).toBeGreaterThanOrEqual(5000);
    expect(heard[0]).toMatchObject({ stopped: true, at: t });
    t += 5000; // the loop blocked by its own work: the CPU ran all along
    cpu += 5000;
    await new Promise((r) => setTimeout(r, 30));
    expect(heard.map((h) => h.stopped)).toEqual([true, false]);
    off();
    t += 5000;
    await new Promise((r) => setTimeout(r, 30));
    expect(heard.length).toBe(2);
  });

  // The DNS threads hold their answers after a 3-s stop (dns/freshness.ts). The watching thread,
  // with its default tick and thresholds, must see every such stop, whatever the phase of its
  // timer, or nothing relists and the hold runs out into stale answers.
  it.each([
    { name: 'a 3.1-s stop right after a tick', gap: 3100, cpu: 5, heard: [true] },
    { name: 'a 2.3-s stop right after a tick', gap: 2300, cpu: 5, heard: [true] },
    { name: 'a 3.1-s blocked loop: not yet a freeze', gap: 3100, cpu: 3100, heard: [] },
    { name: 'a 3.4-s blocked loop', gap: 3400, cpu: 3400, heard: [false] },
  ])('with the defaults: $name', async ({ gap, cpu, heard }) => {
    let t = 0;
    let used = 0;
    const sig = freezeSignal({ clock: { mono: () => t, wall: () => t, cpu: () => used } });
    const got: boolean[] = [];
    const off = sig.subscribe((_ms, info) => got.push(info.stopped));
    t += gap;
    used += cpu;
    await new Promise((r) => setTimeout(r, 400)); // one real tick of 250 ms
    off();
    expect(got).toEqual(heard);
  });

  // A child subscribes with a 1.5-s threshold and prints what it hears: stopped for 3 s it hears
  // a stop; its loop blocked for 3 s by a busy wait, it hears a freeze that is not a stop.
  it.each([
    { name: 'a real SIGSTOP of the process', how: 'stop', stopped: true },
    { name: 'its own event loop blocked by work', how: 'spin', stopped: false },
  ])('notices $name, and tells which it was', async ({ how, stopped }) => {
    const src = `import { freezeSignal } from ${JSON.stringify(new URL('../../src/kube/freeze.ts', import.meta.url).pathname)};
      freezeSignal({ tickMs: 100, thresholdMs: 1500 }).subscribe((ms, i) => { console.log('frozen ' + Math.round(ms) + ' ' + i.stopped); process.exit(0); });
      process.stdin.on('data', () => { const end = Date.now() + 3000; while (Date.now() < end); });
      console.log('ready'); setTimeout(() => {}, 20000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', src], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 20));
    if (how === 'stop') {
      child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 3000));
      child.kill('SIGCONT');
    } else {
      child.stdin.write('spin\n');
    }
    expect(await exited).toBe(0);
    const m = /frozen (\d+) (true|false)/.exec(out);
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(2900);
    expect(Number(m?.[1])).toBeLessThan(5000);
    expect(m?.[2]).toBe(String(stopped));
  }, 15_000);
});
