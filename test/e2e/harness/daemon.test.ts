/**
 * The harness must never leave processes behind: daemons live in their own process group and
 * are killed on stop(), on process exit, on an uncaught exception and on SIGINT/SIGTERM/SIGHUP.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { requireBins } from './bins.ts';
import { startDaemon } from './daemon.ts';
import { run, waitFor } from './util.ts';

const dir = mkdtempSync(join(tmpdir(), 'ordinal-daemon-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHILD = fileURLToPath(new URL('./daemon-child.ts', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of the processes in a process group (ps is in procps, present wherever the e2e suite runs). */
function groupMembers(pgid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([, g]) => g === pgid)
    .map(([pid]) => pid!);
}

describe('startDaemon', () => {
  it('stop() kills the whole process group and reports the exit', async () => {
    const logFile = join(dir, 'stop.log');
    const d = startDaemon({ name: 'sleeper', bin: 'sh', args: ['-c', 'sleep 300 & echo child=$! ; wait'], logFile });
    const grandchild = await waitFor(() => Number(/child=(\d+)/.exec(readFileSync(logFile, 'utf8'))?.[1]) || undefined, 5000);
    expect(groupMembers(d.pid).sort()).toEqual([d.pid, grandchild].sort());
    await d.stop();
    expect(d.hasExited()).toBe(true);
    expect(await d.exited).toBe('SIGTERM');
    await waitFor(() => !alive(grandchild), 2000, { what: 'grandchild to die' });
    expect(groupMembers(d.pid)).toEqual([]);
  });

  // SIGKILL cannot be hooked: the watchdog (polling once a second) cleans up instead.
  it.each(['exit', 'throw', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL'])('kills daemons when the test process ends by %s', async (how) => {
    const logFile = join(dir, `${how}.log`);
    const res = await run(process.execPath, [CHILD, how, logFile], { timeoutMs: 15_000 });
    const pid = Number(res.stdout.trim());
    expect(pid, res.stderr).toBeGreaterThan(0);
    const grandchild = Number(readFileSync(logFile, 'utf8').trim());
    expect(grandchild).toBeGreaterThan(0);
    await waitFor(() => groupMembers(pid).length === 0, 5000, { what: `process group ${pid} to be gone` });
    expect(alive(grandchild)).toBe(false);
    expect(res.code).not.toBe(0);
  });
});

describe('requireBins', () => {
  it('names the build script when a binary is missing', () => {
    expect(() => requireBins(['etcd', 'coredns'], join(dir, 'no-such-bin-dir'))).toThrow(/etcd.*coredns.*scripts\/build-e2e-bins\.sh/s);
  });
});
