// The soak's own process runs --harness-nice steps below what it measures; the processes it
// starts (ordinal, dnsperf) start at its original priority, read back from /proc.
import { spawn } from 'node:child_process';
import { getPriority } from 'node:os';
import { expect, it } from 'vitest';
import { atFullPriority, clientCommand, lowerHarness, setClientRealtime } from '../../bench/soak/priority.ts';
import { dnsSchedFlags, replayFlags, parseConfig } from '../../bench/soak/config.ts';
import { schedNote } from '../../bench/soak/summary.ts';

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

// --rt-priority: dnsperf starts under SCHED_RR (proc(5) stat fields 40 and 41), and the replay
// command names a non-default value.
// The clients run one step above ordinal's DNS threads, so that a reply never waits for a DNS
// thread's SCHED_RR quantum to end; the top is 98, so that they fit below 99.
it.each([
  { argv: [] as string[], rt: 1, client: 2, policy: 2, replay: '' },
  { argv: ['--rt-priority', '7'], rt: 7, client: 8, policy: 2, replay: ' --rt-priority 7' },
  { argv: ['--rt-priority', '99'], rt: 98, client: 99, policy: 2, replay: ' --rt-priority 98' },
  { argv: ['--rt-priority', '0'], rt: 0, client: 0, policy: 0, replay: ' --rt-priority 0' },
])('--rt-priority $argv: DNS threads at $rt, clients under policy $policy at $client', async ({ argv, rt, client, policy, replay }) => {
  expect(process.getuid?.(), 'SCHED_RR needs CAP_SYS_NICE: run as root (CI does)').toBe(0);
  const cfg = parseConfig(argv);
  expect(cfg.rtPriority).toBe(rt);
  expect(replayFlags(cfg)).toBe(replay);
  setClientRealtime(cfg.rtPriority);
  try {
    const [cmd, args] = clientCommand('cat', ['/proc/self/stat']);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    await new Promise((resolve) => child.on('close', resolve));
    const fields = out.slice(out.lastIndexOf(')') + 2).split(' ');
    expect({ rtPriority: Number(fields[37]), policy: Number(fields[38]) }).toEqual({ rtPriority: client, policy });
  } finally {
    setClientRealtime(0);
  }
});

// --dns-deadline: ordinal local's DNS threads under SCHED_DEADLINE (its --dns-deadline) in
// place of --dns-rt-priority; off (the default) keeps SCHED_RR. The replay command names a
// non-default value.
it.each([
  { argv: [] as string[], flags: ['--dns-rt-priority', '1'], replay: '' },
  { argv: ['--dns-deadline', '2ms/4ms'], flags: ['--dns-deadline', '2ms/4ms'], replay: ' --dns-deadline 2ms/4ms' },
  { argv: ['--dns-deadline', '1ms/2ms', '--rt-priority', '5'], flags: ['--dns-deadline', '1ms/2ms'], replay: ' --rt-priority 5 --dns-deadline 1ms/2ms' },
  { argv: ['--dns-deadline', 'off'], flags: ['--dns-rt-priority', '1'], replay: '' },
  { argv: ['--rt-priority', '5'], flags: ['--dns-rt-priority', '5'], replay: ' --rt-priority 5' },
  { argv: ['--rt-priority', '0'], flags: [], replay: ' --rt-priority 0' },
])('--dns-deadline $argv: ordinal local gets $flags', ({ argv, flags, replay }) => {
  const cfg = parseConfig(argv);
  expect(dnsSchedFlags(cfg)).toEqual(flags);
  expect(replayFlags(cfg)).toBe(replay);
  expect(schedNote(cfg)).toContain(flags.length ? `\`ordinal local\` runs with \`${flags.join(' ')}\`` : 'DNS threads run under the normal scheduler');
});

it.each(['2ms', '4ms/4ms', 'on'])('rejects --dns-deadline %s', (v) => {
  expect(() => parseConfig(['--dns-deadline', v])).toThrow(/--dns-deadline: .*or off/);
});
