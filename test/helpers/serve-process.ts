// `ordinal serve --kubeconfig` as a child process, as a user starts it (bin/ordinal.js, from the
// sources): resolves once DNS listens and the zone is synced.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeApi } from '../kube/fake-api.ts';

const BIN = path.resolve('bin/ordinal.js');

export interface ServeProcess {
  readonly proc: ChildProcess;
  /** The DNS port (UDP and TCP). */
  readonly port: number;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Everything written to stderr so far. */
  stderr(): string;
}

/** `nodeArgs`: Node's own options, before the script (as `node --flag bin/ordinal.js serve`). */
export async function startServe(kubeconfig: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [...nodeArgs, BIN, 'serve', '--kubeconfig', kubeconfig, '--dns-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--log-level', 'warn', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, ORDINAL_FROM_SRC: '1' },
  });
  const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
  let err = '';
  proc.stderr!.on('data', (d) => { err += d; });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d) => {
        out += d;
        const m = /dns listening on udp\+tcp [^\s;]*:(\d+)/.exec(out);
        if (m && out.includes('zone synced')) resolve(Number(m[1]));
      });
      void exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    return { proc, port, exited, stderr: () => err };
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
}

/** A started FakeApi holding the `default` Namespace, and a kubeconfig file for it, for startServe. */
export async function fakeApiWithKubeconfig(): Promise<{ api: FakeApi; kubeconfig: string }> {
  const api = new FakeApi();
  await api.start();
  api.put('/api/v1/namespaces', { kind: 'Namespace', metadata: { name: 'default' } });
  const kubeconfig = path.join(await mkdtemp(path.join(tmpdir(), 'ordinal-serve-')), 'kubeconfig');
  await writeFile(kubeconfig, api.kubeConfig().exportConfig());
  return { api, kubeconfig };
}
