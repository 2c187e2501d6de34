/**
 * @module Runs `ordinal local` the way a user does (the real CLI in a child process) and
 * drives it with the pinned kubectl and dig, for the transcript suites.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBins, REPO_ROOT } from './harness/bins.ts';
import { dig, type DigResult } from './harness/dig.ts';
import { freeDnsPort, run, waitFor, type RunResult } from './harness/util.ts';

export interface LocalCluster {
  kubeconfig: string;
  dnsPort: number;
  dataDir: string;
  output(): string;
  kubectl(...args: string[]): Promise<RunResult>;
  /** kubectl that must succeed; returns stdout. */
  k(...args: string[]): Promise<string>;
  json<T = any>(...args: string[]): Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
  dig(name: string, type?: string, tcp?: boolean): Promise<DigResult>;
  stop(): Promise<void>;
  /** SIGKILL the process group and keep the data dir (crash tests restart on it). */
  kill9?(): Promise<void>;
}

/** How to start ordinal: from this clone's sources (the default), or an installed `ordinal`. */
export interface Launcher {
  command: string;
  env: NodeJS.ProcessEnv;
}

const FROM_SOURCES: Launcher = { command: join(REPO_ROOT, 'bin/ordinal.js'), env: { ...process.env, ORDINAL_FROM_SRC: '1' } };

export async function startLocalCluster(extra: string[] = [], launcher: Launcher = FROM_SOURCES, opts: { dataDir?: string } = {}): Promise<LocalCluster> {
  const { kubectl } = requireBins(['kubectl']);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'ordinal-e2e-local-'));
  const dnsPort = await freeDnsPort();
  const args = ['local', '--api-listen', '127.0.0.1:0', '--dns-listen', `127.0.0.1:${dnsPort}`,
    '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'warn', ...extra];
  // The sources run under this Node; an installed `ordinal` finds its Node through its shebang.
  const [cmd, argv] = launcher === FROM_SOURCES ? [process.execPath, [launcher.command, ...args]] : [launcher.command, args];
  const child: ChildProcessWithoutNullStreams = spawn(cmd, argv, { cwd: dataDir, env: launcher.env, detached: true });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString('utf8'); });
  child.stderr.on('data', (b: Buffer) => { out += b.toString('utf8'); });
  const kubeconfig = await waitFor(() => /export KUBECONFIG=(\S+)/.exec(out)?.[1], 60_000, { what: `ordinal local to start; output so far:\n${out}` });
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  const kube = (...args: string[]): Promise<RunResult> => run(kubectl, args, { env, timeoutMs: 60_000 });
  const k = async (...args: string[]): Promise<string> => {
    const r = await kube(...args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  };
  return {
    kubeconfig, dnsPort, dataDir, output: () => out, kubectl: kube, k,
    json: async (...args) => JSON.parse(await k(...args, '-o', 'json')),
    dig: (name, type = 'A', tcp = false) => dig(dnsPort, name, type, { tcp }),
    kill9: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
      await exited;
    },
    stop: async () => {
      const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));
      try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ }
      const t = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
      await exited;
      clearTimeout(t);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
