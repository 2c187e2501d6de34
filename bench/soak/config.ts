/** @module The soak's flags, with the targets as defaults. */
import { parseArgs } from 'node:util';
import { parseReservation } from '../../src/cli/values.ts';

/** Every kind of fault, in the order the help lists them. */
export const FAULT_KINDS = ['kill9', 'watch-cut', 'sigstop', 'disk-full'] as const;
export type FaultKind = typeof FAULT_KINDS[number];

export interface SoakConfig {
  minutes: number; seed: number; rate: number | undefined; p99Ms: number; windowMs: number; reconvergeMs: number;
  rssSlopeMB: number; out: string; bigSets: number; peers: number; nodes: number; stopSeconds: number; diskFullSeconds: number;
  fuzzPerHour: number; sampleRate: number; warmupMinutes: number; workers: number; settleMs: number; harnessNice: number;
  /** A chunk in which the hypervisor took at least this share of the CPU (0-1) is reported but not judged for latency (steal.ts). */
  stealLimit: number;
  /** SCHED_RR priority of ordinal's DNS threads (--dns-rt-priority, when dnsDeadline is off) and of dnsperf; 0 = normal scheduling. */
  rtPriority: number;
  /** `--dns-deadline` of ordinal local's DNS threads (such as `2ms/4ms`), or 'off' (the default) for --dns-rt-priority. */
  dnsDeadline: string;
  /** The fault kinds injected; a run without all of them fails its "every fault kind" target. */
  faults: FaultKind[];
}

export const HELP = `npm run soak -- [flags]
  --minutes <n>          how long (default 60)
  --seed <n>             seed of every random choice (default: random, printed)
  --rate <qps>           dnsperf UDP rate (default: half of the maximum measured at start)
  --p99-ms <ms>          p99 bound for minutes without a fault (default 2)
  --window-ms <ms>       propagation window of the checker (default 5000)
  --reconverge-ms <ms>   bound on reconvergence after a fault (default 10000)
  --settle-ms <ms>       after a fault has reconverged, time before latency counts as calm again (default 15000)
  --steal-limit <pct>    a 15 s chunk in which the host took this much of the machine's CPU or more
                         (/proc/stat steal) is reported but left out of the p99 target, as a
                         fault's chunks are (default 2; 100 judges every chunk)
  --rss-slope-mb <mb>    bound on RSS growth per 10 minutes after warm-up (default 1)
  --warmup-minutes <n>   (default 5, or a third of a shorter run)
  --out <file.md>        report file (default bench/soak/RESULTS.md; the SVG goes beside it)
  --big-sets <n>         StatefulSets of --peers pods (default 1)   --peers <n> (default 100)
  --nodes <n>            simulated nodes (default 4)
  --workers <n>          DNS worker threads of ordinal local, so that its answers do not wait
                         behind the API server's and controllers' work (default 2; 1 = in-process)
  --stop-seconds <s>     SIGSTOP of the second replica (default 30)
  --disk-full-seconds <s> (default 15)
  --fuzz-per-hour <n>    garbage packets per hour (default 1000000)
  --sample-rate <qps>    checked queries per second per replica (default 50)
  --harness-nice <n>     nice steps the soak's own process (churn, oracle, fuzzer, transfer
                         clients) runs below ordinal and dnsperf (default 10; 0 = equal)
  --rt-priority <n>      SCHED_RR priority of ordinal local's DNS threads (--dns-rt-priority),
                         1-98; the dnsperf runs that time queries run one step above, as on a
                         DNS host with its clients on other machines: no query or reply waits
                         for a core behind the control plane or behind a DNS thread's quantum
                         (default 1; 0 = all under the normal scheduler)
  --dns-deadline <r/p>   ordinal local's DNS threads under SCHED_DEADLINE with this reservation
                         (its --dns-deadline, such as 2ms/4ms) in place of SCHED_RR at
                         --rt-priority (default off: bench/soak/RESULTS.md has what it cost)
  --faults <list>        fault kinds to inject, comma-separated (default all: ${FAULT_KINDS.join(',')});
                         for digging into one; a run without all of them fails`;

/** --steal-limit's default as a share: chunks with 2% of the CPU stolen or more are left out (steal.ts). */
export const DEFAULT_STEAL_LIMIT = 0.02;

export function parseConfig(argv: string[]): SoakConfig {
  const { values } = parseArgs({ args: argv, strict: true, options: {
    minutes: { type: 'string' }, seed: { type: 'string' }, rate: { type: 'string' }, 'p99-ms': { type: 'string' },
    'window-ms': { type: 'string' }, 'reconverge-ms': { type: 'string' }, 'settle-ms': { type: 'string' }, 'steal-limit': { type: 'string' }, 'rss-slope-mb': { type: 'string' }, out: { type: 'string' },
    'big-sets': { type: 'string' }, peers: { type: 'string' }, nodes: { type: 'string' }, 'stop-seconds': { type: 'string' },
    'disk-full-seconds': { type: 'string' }, 'fuzz-per-hour': { type: 'string' }, 'sample-rate': { type: 'string' },
    'warmup-minutes': { type: 'string' }, workers: { type: 'string' }, 'harness-nice': { type: 'string' }, 'rt-priority': { type: 'string' }, 'dns-deadline': { type: 'string' }, faults: { type: 'string' }, help: { type: 'boolean' },
  } });
  if (values.help) { console.log(HELP); process.exit(0); }
  const num = (k: keyof typeof values, d: number, min = 0): number => {
    const v = values[k];
    if (v === undefined) return d;
    const n = Number(v);
    if (typeof v !== 'string' || !Number.isFinite(n) || n < min) throw new Error(`--${k}: expected a number >= ${min}, got ${String(v)}`);
    return n;
  };
  const minutes = num('minutes', 60, 1);
  return {
    minutes, seed: num('seed', Math.floor(Math.random() * 2 ** 31)), rate: values.rate === undefined ? undefined : num('rate', 0, 1),
    p99Ms: num('p99-ms', 2), windowMs: num('window-ms', 5000), reconvergeMs: num('reconverge-ms', 10_000),
    rssSlopeMB: num('rss-slope-mb', 1), out: values.out ?? 'bench/soak/RESULTS.md', bigSets: num('big-sets', 1), peers: num('peers', 100, 1),
    nodes: num('nodes', 4, 2), stopSeconds: num('stop-seconds', 30, 1), diskFullSeconds: num('disk-full-seconds', 15, 1),
    fuzzPerHour: num('fuzz-per-hour', 1_000_000), sampleRate: num('sample-rate', 50, 1),
    warmupMinutes: num('warmup-minutes', Math.min(5, Math.floor(minutes / 3))), workers: num('workers', 2, 1),
    settleMs: num('settle-ms', 15_000), stealLimit: Math.min(100, num('steal-limit', 100 * DEFAULT_STEAL_LIMIT)) / 100, harnessNice: Math.min(19, num('harness-nice', 10)), rtPriority: Math.min(98, num('rt-priority', 1)), faults: faultList(values.faults),
    dnsDeadline: deadline(values['dns-deadline']),
  };
}

/** The flags beyond --minutes and --seed that replay `cfg`'s choices (--faults, --rt-priority, --dns-deadline), or '' for the defaults. */
export function replayFlags(cfg: Pick<SoakConfig, 'faults' | 'rtPriority' | 'dnsDeadline'>): string {
  return (cfg.faults.length === FAULT_KINDS.length ? '' : ` --faults ${cfg.faults.join(',')}`) + (cfg.rtPriority === 1 ? '' : ` --rt-priority ${cfg.rtPriority}`) +
    (cfg.dnsDeadline === DEFAULT_DEADLINE ? '' : ` --dns-deadline ${cfg.dnsDeadline}`);
}

const DEFAULT_DEADLINE = 'off';

function deadline(v: string | undefined): string {
  if (v === undefined) return DEFAULT_DEADLINE;
  if (v === 'off') return v;
  try {
    parseReservation(v);
  } catch (err) {
    throw new Error(`--dns-deadline: ${(err as Error).message}, or off`);
  }
  return v;
}

/** How `ordinal local`'s DNS threads are scheduled: its --dns-deadline, else --dns-rt-priority, else nothing. */
export function dnsSchedFlags(cfg: Pick<SoakConfig, 'rtPriority' | 'dnsDeadline'>): string[] {
  if (cfg.dnsDeadline !== 'off') return ['--dns-deadline', cfg.dnsDeadline];
  return cfg.rtPriority > 0 ? ['--dns-rt-priority', String(cfg.rtPriority)] : [];
}

function faultList(v: string | undefined): FaultKind[] {
  if (v === undefined) return [...FAULT_KINDS];
  const kinds = v.split(',').map((k) => k.trim()).filter((k) => k !== '');
  const bad = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (bad.length || kinds.length === 0) throw new Error(`--faults: expected some of ${FAULT_KINDS.join(',')}, got ${v}`);
  return [...new Set(kinds)] as FaultKind[];
}

/**
 * What `ordinal local` keeps for a set time, kept here for half the warm-up: Events live for
 * `--event-ttl` (1 h by default), and the watch history spans one to two
 * `--compaction-interval`s (5 min by default, up to 10,000 events: about 10 minutes of the
 * soak's churn). Both are state a user asked to keep, and both grow with the churn for that
 * long; V8 then grows its heap to them in steps, one major collection at a time (a 15-minute
 * run without kill -9, retention at the full 5-minute warm-up: RSS rose until 6 minutes in,
 * then stayed within 1 MB for 4 minutes). At half the warm-up, the API server's memory is at
 * its steady state when the RSS slope is measured, so growth after it is a leak, not retention.
 * A kill -9 starts a new process, which warms up again (summary.ts).
 */
export function retention(cfg: Pick<SoakConfig, 'warmupMinutes'>): { eventTtl: string; compactionInterval: string } {
  const warmS = Math.max(60, cfg.warmupMinutes * 60);
  return { eventTtl: `${Math.floor(warmS / 2)}s`, compactionInterval: `${Math.floor(warmS / 4)}s` };
}
