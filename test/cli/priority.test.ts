// --main-thread-nice: with DNS on worker threads, the main thread (watches, zone building; in
// `ordinal local` also the API server and controllers) runs below the threads that answer, so
// a query does not wait for a core behind control-plane work (issue #14: the soak's calm p99).
// Nice values are read from /proc for each thread of a real `ordinal serve` process; a DNS
// thread restarted after a crash starts at the DNS threads' priority, not the main thread's.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/cli/config.ts';
import { deadlineThisThread, realtimeThisThread } from '../../src/cli/priority.ts';
import { startLiveServe } from '../../src/cli/live.ts';
import { silentLogger } from '../../src/log.ts';
import { fakeApiWithKubeconfig, startServe } from '../helpers/serve-process.ts';
import type { FakeApi } from '../kube/fake-api.ts';
import { waitFor } from '../kube/helpers.ts';

interface Thread { tid: number; name: string; nice: number; rtPriority: number; policy: number }

/** Every thread of `pid`: its id, its name (comm) and its nice value (stat field 19, proc(5)). */
function threads(pid: number): Thread[] {
  return readdirSync(`/proc/${pid}/task`).map((t) => {
    const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // proc(5): nice is field 19, rt_priority 40 and policy 41 (0 SCHED_OTHER, 2 SCHED_RR); fields[0] is field 3.
    return { tid: Number(t), name: readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(), nice: Number(fields[16]), rtPriority: Number(fields[37]), policy: Number(fields[38]) };
  });
}
const workerNices = (pid: number, except = new Set<number>()): number[] =>
  threads(pid).filter((t) => t.name === 'WorkerThread' && !except.has(t.tid)).map((t) => t.nice);
const mainNice = (pid: number): number => threads(pid).find((t) => t.tid === pid)!.nice;

// Every test gets a fresh fake API server and a kubeconfig for it.
let api: FakeApi;
let kubeconfig = '';
beforeEach(async () => {
  ({ api, kubeconfig } = await fakeApiWithKubeconfig());
});
afterEach(() => api.stop());

describe('--main-thread-nice', () => {

  it.each([
    { name: 'two workers: the main thread 5 below them (the default)', args: ['--workers', '2'], main: 5, workers: [0, 0] },
    { name: 'a UDP worker and the TCP thread (--transfer-to)', args: ['--transfer-to', '127.0.0.1/32'], main: 5, workers: [0, 0] },
    { name: '--main-thread-nice 12', args: ['--workers', '2', '--main-thread-nice', '12'], main: 12, workers: [0, 0] },
    { name: '--main-thread-nice 0: all equal', args: ['--workers', '2', '--main-thread-nice', '0'], main: 0, workers: [0, 0] },
    { name: 'DNS on the main thread itself: never lowered', args: [] as string[], main: 0, workers: [] },
  ])('$name', async ({ args, main, workers }) => {
    const { proc, exited } = await startServe(kubeconfig, args);
    try {
      expect(mainNice(proc.pid!)).toBe(main);
      expect(workerNices(proc.pid!)).toEqual(workers);
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
  });

  it('a DNS worker restarted after it died starts at the DNS threads\' priority', async () => {
    const before = new Set(threads(process.pid).map((t) => t.tid));
    const base = mainNice(process.pid);
    const c = parseConfig(['serve', '--dns-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--log-level', 'silent', '--workers', '2']);
    if (c.command !== 'serve') throw new Error('not serve');
    const live = await startLiveServe(c.serve, api.kubeConfig(), silentLogger(), false);
    try {
      expect(mainNice(process.pid)).toBe(Math.min(19, base + 5));
      expect(workerNices(process.pid, before)).toEqual([base, base]);
      await live.dns.pool!.workers()[0]!.terminate();
      await waitFor(() => live.dns.pool!.restarts() === 1, 10_000);
      expect(workerNices(process.pid, before)).toEqual([base, base]);
      expect(mainNice(process.pid)).toBe(Math.min(19, base + 5));
    } finally {
      await live.close(0);
    }
  });
});

// --dns-rt-priority: the DNS threads under SCHED_RR (the soak's calm p99, issue #14). Setting
// SCHED_RR needs CAP_SYS_NICE: CI runs as root, and so does this test's first table.
describe('--dns-rt-priority', () => {
  const SCHED_OTHER = 0;
  const SCHED_RR = 2;
  const dns = (pid: number): { policy: number; rtPriority: number }[] =>
    threads(pid).filter((t) => t.name === 'WorkerThread').map(({ policy, rtPriority }) => ({ policy, rtPriority }));

  it.each([
    { name: 'two workers at priority 3', args: ['--workers', '2', '--dns-rt-priority', '3'], dns: [{ policy: SCHED_RR, rtPriority: 3 }, { policy: SCHED_RR, rtPriority: 3 }] },
    { name: 'one worker: DNS still gets a thread of its own', args: ['--dns-rt-priority', '1'], dns: [{ policy: SCHED_RR, rtPriority: 1 }] },
    { name: 'with --transfer-to: the UDP and the TCP thread', args: ['--transfer-to', '127.0.0.1/32', '--dns-rt-priority', '50'], dns: [{ policy: SCHED_RR, rtPriority: 50 }, { policy: SCHED_RR, rtPriority: 50 }] },
    { name: '0 (the default): normal scheduling', args: ['--workers', '2', '--dns-rt-priority', '0'], dns: [{ policy: SCHED_OTHER, rtPriority: 0 }, { policy: SCHED_OTHER, rtPriority: 0 }] },
  ])('$name', async ({ args, dns: want }) => {
    expect(process.getuid?.(), 'SCHED_RR needs CAP_SYS_NICE: run as root (CI does)').toBe(0);
    const { proc, exited } = await startServe(kubeconfig, args);
    try {
      expect(dns(proc.pid!)).toEqual(want);
      // Only the DNS threads: the main thread (watches, HTTP), V8's GC helpers and libuv's pool
      // (which a realtime thread would hand its policy to, had it started them) stay normal.
      const others = threads(proc.pid!).filter((t) => t.name !== 'WorkerThread');
      if (want[0]!.policy === SCHED_RR) expect(others.map((t) => t.name)).toContain('libuv-worker');
      expect(others.filter((t) => t.policy !== SCHED_OTHER).map((t) => t.name)).toEqual([]);
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
  });

  it('without chrt the threads answer under the normal scheduler, and the log says why', async () => {
    const { proc, exited, stderr, port } = await startServe(kubeconfig, ['--dns-rt-priority', '1'], { PATH: '/nonexistent' });
    try {
      expect(port).toBeGreaterThan(0);
      expect(dns(proc.pid!)).toEqual([{ policy: SCHED_OTHER, rtPriority: 0 }]);
      await waitFor(() => stderr().includes('DNS thread stays under the normal scheduler'), 5000);
      expect(stderr()).toContain('chrt (util-linux) is not installed');
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
  });

  it.each([
    { name: 'no chrt on PATH', path: '/nonexistent', want: 'chrt (util-linux) is not installed' },
  ])('realtimeThisThread: $name', ({ path, want }) => {
    const saved = process.env['PATH'];
    process.env['PATH'] = path;
    try {
      expect(realtimeThisThread(1)).toBe(want);
    } finally {
      process.env['PATH'] = saved;
    }
  });

  it.each([
    { value: '100', error: /--dns-rt-priority/ },
    { value: '-1', error: /--dns-rt-priority/ },
    { value: 'high', error: /--dns-rt-priority/ },
  ])('rejects --dns-rt-priority $value', ({ value, error }) => {
    expect(() => parseConfig(['serve', '--dns-rt-priority', value])).toThrow(error);
  });
});

// --dns-deadline: the DNS threads under SCHED_DEADLINE (policy 6), each with its reservation; a
// spinning DNS thread is then held after its runtime, where SCHED_RR held a core for up to a
// second (issue #14). Setting it needs CAP_SYS_NICE: CI runs as root.
describe('--dns-deadline', () => {
  const SCHED_OTHER = 0;
  const SCHED_DEADLINE = 6;
  /** Policy of each DNS thread, and chrt's account of a deadline thread's parameters. */
  const dns = (pid: number): { policy: number; chrt?: string }[] =>
    threads(pid).filter((t) => t.name === 'WorkerThread').map(({ tid, policy }) => {
      if (policy !== SCHED_DEADLINE) return { policy };
      const out = execFileSync('chrt', ['--pid', String(tid)], { encoding: 'utf8' });
      const flags = /policy: (\S+)/.exec(out)![1]!;
      return { policy, chrt: `${flags} ${/parameters: (\S+)/.exec(out)![1]}` };
    });
  const DL = (runtime: number, period: number): { policy: number; chrt: string } =>
    ({ policy: SCHED_DEADLINE, chrt: `SCHED_DEADLINE|SCHED_RESET_ON_FORK ${runtime}/${period}/${period}` });

  it.each([
    { name: 'two workers, 1ms in every 4ms', args: ['--workers', '2', '--dns-deadline', '1ms/4ms'], dns: [DL(1e6, 4e6), DL(1e6, 4e6)] },
    { name: 'one worker: DNS still gets a thread of its own', args: ['--dns-deadline', '300us/1ms'], dns: [DL(3e5, 1e6)] },
    { name: 'with --transfer-to: the UDP and the TCP thread', args: ['--transfer-to', '127.0.0.1/32', '--dns-deadline', '1ms/10ms'], dns: [DL(1e6, 1e7), DL(1e6, 1e7)] },
  ])('$name', async ({ args, dns: want }) => {
    expect(process.getuid?.(), 'SCHED_DEADLINE needs CAP_SYS_NICE: run as root (CI does)').toBe(0);
    const { proc, exited, port } = await startServe(kubeconfig, args);
    try {
      expect(port).toBeGreaterThan(0);
      expect(dns(proc.pid!)).toEqual(want);
      // Only the DNS threads; libuv's pool was started by the main thread, before them.
      const others = threads(proc.pid!).filter((t) => t.name !== 'WorkerThread');
      expect(others.map((t) => t.name)).toContain('libuv-worker');
      expect(others.filter((t) => t.policy !== SCHED_OTHER).map((t) => t.name)).toEqual([]);
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
  });

  it('reservations beyond what the kernel admits leave a thread under the normal scheduler, and the log says why', async () => {
    // One thread more than there are CPUs (at most --workers' 64), each asking 99% of one:
    // together beyond the 95% of every CPU the kernel admits (sched_rt_runtime_us), so at least
    // one is refused (EBUSY), on any number of CPUs.
    const n = Math.min(64, availableParallelism() + 1);
    const { proc, exited, stderr, port } = await startServe(kubeconfig, ['--workers', String(n), '--dns-deadline', '990us/1ms']);
    try {
      expect(port).toBeGreaterThan(0);
      const policies = dns(proc.pid!).map((t) => t.policy);
      expect(policies).toHaveLength(n);
      expect(policies.filter((p) => p === SCHED_OTHER).length).toBeGreaterThanOrEqual(1);
      await waitFor(() => stderr().includes('DNS thread stays under the normal scheduler'), 5000);
      expect(stderr()).toContain('fewer DNS threads (--workers) or a smaller runtime fit');
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
  });

  it('deadlineThisThread without chrt says so', () => {
    const saved = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      expect(deadlineThisThread({ runtimeUs: 1000, periodUs: 2000 })).toBe('chrt (util-linux) is not installed');
    } finally {
      process.env['PATH'] = saved;
    }
  });
});
