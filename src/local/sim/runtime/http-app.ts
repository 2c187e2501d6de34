/**
 * @module Runs one of the book's HTTP apps as a container process: a real HTTP server on
 * 127.0.0.1, port 0, reached from the pod network at `podIP:8080`. Stopping it (SIGTERM) closes
 * the listener and every open connection, and removes its route.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APP_PORT, type AppHandler } from './kubia.ts';
import type { Workload, WorkloadEnv } from './workload.ts';

/** Exit code of a Node process ended by SIGTERM (128 + 15). */
const SIGTERM_EXIT = 143;

export async function startHttpApp(handler: AppHandler, env: WorkloadEnv): Promise<Workload> {
  const server = createServer((req, res) => {
    handler(env, req, res).catch((err: unknown) => {
      env.stderr(`${(err as Error)?.stack ?? String(err)}\n`);
      res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const hostPort = (server.address() as AddressInfo).port;
  env.network.bind(env.podIP, APP_PORT, hostPort);
  let done!: (code: number) => void;
  const exited = new Promise<number>((r) => (done = r));
  let stopping: Promise<void> | undefined;
  return {
    exited,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        env.network.unbind(env.podIP, APP_PORT, hostPort);
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => done(SIGTERM_EXIT));
      return stopping;
    },
  };
}
