/**
 * @module `ordinal serve` started as a user starts it, for the dig suites: the real CLI from this
 * clone's sources (even where a build left dist/ behind) under this Node, resolved once it prints
 * the address it listens on. Also the generated headless Service those suites share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './bins.ts';

export interface Served {
  proc: ChildProcess;
  port: number;
}

/** Start `ordinal serve <args>` on 127.0.0.1 port 0; rejects if it exits first. */
export function startServe(args: readonly string[]): Promise<Served> {
  const proc = spawn(process.execPath, [join(REPO_ROOT, 'bin/ordinal.js'), 'serve', '--dns-listen', '127.0.0.1:0', '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ORDINAL_FROM_SRC: '1' },
  });
  return new Promise<Served>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /dns listening on udp\+tcp 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ proc, port: Number(m[1]) });
    });
    proc.on('exit', (code) => reject(new Error(`ordinal serve exited with ${code}: ${out}`)));
  });
}

/** A headless Service `big` in `default` with `n` ready pods big-0..big-(n-1), as one YAML stream. */
export function bigService(n: number): string {
  const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: big, namespace: default}\nspec:\n  clusterIP: None\n  selector: {app: big}\n  ports: [{name: peer, port: 7000}]\n';
  const pods = Array.from({ length: n }, (_, i) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: big-${i}, namespace: default, labels: {app: big}}\n` +
    `spec: {hostname: big-${i}, subdomain: big, containers: [{name: c, image: x}]}\n` +
    `status: {phase: Running, podIP: 10.250.${Math.floor(i / 200)}.${(i % 200) + 1}, conditions: [{type: Ready, status: "True"}]}\n`);
  return svc + pods.join('');
}
