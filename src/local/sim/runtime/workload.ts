/**
 * @module What a simulated container is given (its hostname, files, stdio, the pod network and
 * the cluster DNS) and what it gives back (an exit code, and a way to stop it). Both the book's
 * HTTP apps and the command images are workloads.
 */
import type { ContainerFs } from './fs.ts';
import type { Readable } from 'node:stream';
import type { PodNetwork } from './network.ts';

export interface WorkloadEnv {
  /** The pod's hostname: `spec.hostname`, else its name. */
  readonly hostname: string;
  readonly podIP: string;
  readonly namespace: string;
  readonly fs: ContainerFs;
  readonly env: Readonly<Record<string, string>>;
  readonly network: PodNetwork;
  /** ordinal's DNS server as `host:port`, when it is up (the pod's resolv.conf nameserver). */
  readonly dnsServer: () => string | undefined;
  /** The cluster zone, e.g. `cluster.local` (the pod's search path is built from it). */
  readonly zone: string;
  stdout(data: string | Buffer): void;
  stderr(data: string | Buffer): void;
  /** The process's stdin, when the container has one (`stdin: true`); attach sessions feed it. */
  readonly stdin?: Readable;
  /** The container has a TTY (`tty: true`). */
  readonly tty?: boolean;
}

export interface Workload {
  /** Resolves with the exit code when the process ends by itself or is stopped. */
  readonly exited: Promise<number>;
  /** Stop the process (SIGTERM); resolves when its sockets are closed. */
  stop(): Promise<void>;
}

/** A workload that never ends and does nothing: images ordinal does not simulate. */
export function idleWorkload(): Workload {
  let done!: (code: number) => void;
  const exited = new Promise<number>((r) => (done = r));
  return {
    exited,
    stop: async () => {
      done(137);
    },
  };
}
