/**
 * @module The soak's own work (churn, the oracle and its checker, the fuzzer, the transfer
 * clients) runs `--harness-nice` steps below the processes it measures and below dnsperf. On the
 * project's 2-core machines these stand in for clients on other hosts; at equal priority their
 * bursts (a relist in the oracle, a churn tick) take a core from a DNS thread and show in the
 * p99 as the server's latency. The load they apply is the same either way.
 *
 * A nice value is per thread on Linux, and a child starts with the nice value of the thread that
 * spawned it, so every spawn goes through atFullPriority: back to the soak's starting priority
 * for the spawn, lowered again after it. Raising a priority needs CAP_SYS_NICE; the soak runs as
 * root already (it mounts a tmpfs).
 */
import { getPriority, setPriority } from 'node:os';

let start: number | undefined;

/**
 * Lower this (main) thread by `by` nice steps; 0 does nothing. Without the privilege to raise a
 * priority back (tested first, on a step above the start), the children would inherit the
 * lowered value: then nothing is lowered, and the returned note says why.
 */
export function lowerHarness(by: number): string | undefined {
  if (by === 0 || start !== undefined) return undefined;
  const now = getPriority(0);
  if (now > -20) {
    try {
      setPriority(0, now - 1);
      setPriority(0, now);
    } catch {
      return `--harness-nice ${by} not applied: raising a priority back for the processes it starts needs CAP_SYS_NICE`;
    }
  }
  start = now;
  setPriority(0, Math.min(19, start + by));
  return undefined;
}

/** Run `spawn` (which starts a child process) at the soak's starting priority. */
export function atFullPriority<T>(spawn: () => T): T {
  if (start === undefined) return spawn();
  const lowered = getPriority(0);
  setPriority(0, start);
  try {
    return spawn();
  } finally {
    setPriority(0, lowered);
  }
}

let rt = 0;

/**
 * --rt-priority: the dnsperf runs that time each query run under SCHED_RR one step above the
 * primary's DNS threads (--dns-rt-priority). On 2 cores shared with the API server, the
 * controllers, the replica and this harness, a reply otherwise waits in dnsperf's socket until
 * dnsperf gets a core, and that wait counts as the server's latency. Only both together help:
 * with every dnsperf realtime and ordinal not, dnsperf's sending took the cores from the DNS
 * threads. At the same priority as the DNS threads, a dnsperf thread woken while both cores ran
 * realtime threads waited for one of them to use up its quantum: runs of consecutive queries
 * came back 100.3-100.4 ms (one SCHED_RR quantum, 100 ms) late, with equal latencies (the
 * 60-minute run at 0ccd3ab, and one at 60bfa55 with SOAK_LOG_DIR). A step above, a reply is
 * read as soon as it is sent, as by a client on another host. The bulk stream stays under the
 * normal scheduler.
 */
export function setClientRealtime(priority: number): void {
  rt = priority;
}

/** The SCHED_RR priority of the timing clients for --rt-priority `n`: one above the DNS threads'. */
export function clientPriority(n: number): number {
  return n > 0 ? Math.min(99, n + 1) : 0;
}

/** `cmd argv` as spawned: under `chrt --rr` when --rt-priority is set. */
export function clientCommand(cmd: string, argv: string[]): [string, string[]] {
  return rt > 0 ? ['chrt', ['--rr', String(clientPriority(rt)), cmd, ...argv]] : [cmd, argv];
}
