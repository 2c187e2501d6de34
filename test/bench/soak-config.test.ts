// The soak's flags and what it derives from them: the retention it gives `ordinal local` is
// half the warm-up, so the RSS slope after it is measured at the steady state.
import { describe, expect, it } from 'vitest';
import { replayFlags, parseConfig, retention } from '../../bench/soak/config.ts';

describe('soak config', () => {
  it.each([
    { argv: [], warm: 5, eventTtl: '150s', compactionInterval: '75s' },
    { argv: ['--minutes', '3'], warm: 1, eventTtl: '30s', compactionInterval: '15s' },
    { argv: ['--minutes', '8'], warm: 2, eventTtl: '60s', compactionInterval: '30s' },
    { argv: ['--minutes', '60', '--warmup-minutes', '10'], warm: 10, eventTtl: '300s', compactionInterval: '150s' },
  ])('$argv: warm-up $warm min, Events $eventTtl, compaction $compactionInterval', ({ argv, warm, eventTtl, compactionInterval }) => {
    const cfg = parseConfig(argv);
    expect(cfg.warmupMinutes).toBe(warm);
    expect(retention(cfg)).toEqual({ eventTtl, compactionInterval });
    expect(cfg.faults).toEqual(['kill9', 'watch-cut', 'sigstop', 'disk-full']);
  });

  it('--faults picks some kinds, once each, and the replay command repeats it', () => {
    const cfg = parseConfig(['--faults', 'sigstop, watch-cut,sigstop']);
    expect(cfg.faults).toEqual(['sigstop', 'watch-cut']);
    expect(replayFlags(cfg)).toBe(' --faults sigstop,watch-cut');
    expect(replayFlags(parseConfig([]))).toBe('');
  });

  it.each([
    { argv: [], want: 0.02 },
    { argv: ['--steal-limit', '5'], want: 0.05 },
    { argv: ['--steal-limit', '0.5'], want: 0.005 },
    { argv: ['--steal-limit', '250'], want: 1 },
  ])('--steal-limit $argv: a chunk with $want of the CPU stolen is left out of the p99 target', ({ argv, want }) => {
    expect(parseConfig(argv).stealLimit).toBeCloseTo(want, 10);
  });

  it.each([
    [['--steal-limit=-1'], '--steal-limit: expected a number >= 0, got -1'],
    [['--minutes', '0'], '--minutes: expected a number >= 1'],
    [['--rate', 'fast'], '--rate: expected a number'],
    [['--frob'], "Unknown option '--frob'"],
    [['--faults', 'kill9,flood'], '--faults: expected some of kill9,watch-cut,sigstop,disk-full, got kill9,flood'],
    [['--faults', ','], '--faults: expected some of'],
  ])('refuses %j', (argv, msg) => {
    expect(() => parseConfig(argv)).toThrow(msg);
  });
});
