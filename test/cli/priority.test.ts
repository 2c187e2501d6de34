// --main-thread-nice: with DNS on worker threads, the main thread (watches, zone building; in
// `ordinal local` also the API server and controllers) runs below the threads that answer, so
// a query does not wait for a core behind control-plane work (issue #14: the soak's calm p99).
// Nice values are read from /proc for each thread of a real `ordinal serve` process; a DNS
// thread restarted after a crash starts at the DNS threads' priority, not the main thread's.
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/cli/config.ts';
import { startLiveServe } from '../../src/cli/live.ts';
import { silentLogger } from '../../src/log.ts';
import { fakeApiWithKubeconfig, startServe } from '../helpers/serve-process.ts';
import type { FakeApi } from '../kube/fake-api.ts';
import { waitFor } from '../kube/helpers.ts';

interface Thread { tid: number; name: string; nice: number }

/** Every thread of `pid`: its id, its name (comm) and its nice value (stat field 19, proc(5)). */
function threads(pid: number): Thread[] {
  return readdirSync(`/proc/${pid}/task`).map((t) => {
    const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { tid: Number(t), name: readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(), nice: Number(fields[16]) };
  });
}
const workerNices = (pid: number, except = new Set<number>()): number[] =>
  threads(pid).filter((t) => t.name === 'WorkerThread' && !except.has(t.tid)).map((t) => t.nice);
const mainNice = (pid: number): number => threads(pid).find((t) => t.tid === pid)!.nice;

describe('--main-thread-nice', () => {
  let api: FakeApi;
  let kubeconfig = '';
  beforeEach(async () => {
    ({ api, kubeconfig } = await fakeApiWithKubeconfig());
  });
  afterEach(() => api.stop());

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
