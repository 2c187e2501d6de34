/**
 * @module A command image's process (tutum/dnsutils, busybox): the container's command line run
 * by the built-in commands, its output in the container's log, its exit code the container's.
 */
import { execBuiltin } from './shell.ts';
import type { Workload, WorkloadEnv } from './workload.ts';

export function startCommand(argv: string[], env: WorkloadEnv, vars: Readonly<Record<string, string>>): Workload {
  const abort = new AbortController();
  const exited = execBuiltin(argv, { stdin: env.stdin, stdout: env.stdout, stderr: env.stderr, signal: abort.signal, tty: env.tty }, { fs: env.fs, env: vars, hostname: env.hostname, cwd: '/', dns: env })
    .catch((err: unknown) => {
      env.stderr(`${(err as Error).message}\n`);
      return 1;
    });
  return {
    exited,
    stop: async () => {
      abort.abort();
      await exited;
    },
  };
}
