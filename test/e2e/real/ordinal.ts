/**
 * @module `ordinal serve` as a child process following a real control plane, for the real-*
 * e2e suites: started from source (ORDINAL_FROM_SRC=1) with this Node, ready once it prints
 * `zone synced`, stopped by its own process group.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../harness/bins.ts';
import { freeDnsPort, waitFor } from '../harness/util.ts';

export type OrdinalServe = {
  port: number;
  output(): string;
  stop(): Promise<void>;
};

export async function startOrdinalServe(kubeconfigPath: string, extra: readonly string[] = []): Promise<OrdinalServe> {
  const port = await freeDnsPort();
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [
    join(REPO_ROOT, 'bin/ordinal.js'), 'serve', '--kubeconfig', kubeconfigPath, '--endpoints-from', 'endpointslices',
    '--dns-listen', `127.0.0.1:${port}`, '--http-listen', '127.0.0.1:0', '--log-level', 'warn', ...extra,
  ], { cwd: REPO_ROOT, env: { ...process.env, ORDINAL_FROM_SRC: '1' }, detached: true });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString('utf8'); });
  child.stderr.on('data', (b: Buffer) => { out += b.toString('utf8'); });
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => { exited = true; r(); }));
  const stop = async (): Promise<void> => {
    if (exited) return;
    try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ }
    const t = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5_000);
    await exit;
    clearTimeout(t);
  };
  try {
    await waitFor(() => {
      if (exited) throw new Error(`ordinal serve exited:\n${out}`);
      return out.includes('zone synced');
    }, 30_000, { what: 'ordinal serve to sync' });
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- ordinal output ---\n${out}`);
  }
  return { port, output: () => out, stop };
}
