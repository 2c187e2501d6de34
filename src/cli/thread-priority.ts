/**
 * @module Lower the calling thread's CPU priority (Linux). The TCP thread of a worker pool
 * streams zone transfers, megabytes at a time; the UDP threads answer in microseconds. With the
 * TCP thread at nice 10 (weight 110 against 1024, sched(7)), the kernel runs a UDP thread that
 * wakes up ahead of it at once, even when transfers keep every core busy: transfers take the CPU
 * that queries leave, which is what an operator of a primary server wants.
 *
 * On Linux a thread is a task with its own id, and setpriority(PRIO_PROCESS, tid) applies to that
 * thread alone; /proc/thread-self names the calling thread's task. Elsewhere nothing changes.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Logger } from '../log.ts';

export const TRANSFER_NICE = 10;

/** The calling thread's task id, or undefined where /proc/thread-self does not exist. */
export function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** Set this thread's nice value; says once why it could not. Lowering priority needs no privilege. */
export function niceThisThread(nice: number, log: Logger): void {
  const tid = threadId();
  if (tid === undefined) {
    log.info('no /proc/thread-self: the TCP thread keeps the normal CPU priority');
    return;
  }
  try {
    setPriority(tid, nice);
    log.debug({ tid, nice }, 'thread priority set');
  } catch (err) {
    log.warn({ err, tid, nice }, 'could not lower the TCP thread\'s CPU priority');
  }
}
