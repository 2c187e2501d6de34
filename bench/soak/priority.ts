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

/** Lower this (main) thread by `by` nice steps; 0 does nothing. */
export function lowerHarness(by: number): void {
  if (by === 0 || start !== undefined) return;
  start = getPriority(0);
  setPriority(0, Math.min(19, start + by));
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
