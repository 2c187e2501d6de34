/**
 * @module What the API server needs from the nodes to serve the streaming subresources: a way
 * to dial a pod IP (the cluster network) and a container's logs (what kube-apiserver asks a
 * kubelet for). `ordinal local` plugs in the simulated runtime; without one, pod IPs are dialled
 * directly, as a kube-apiserver on the cluster network would, and no logs exist.
 */
import { connect, type Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

export interface LogLine {
  /** Epoch ms. */
  readonly time: number;
  readonly data: Buffer;
}

export interface ContainerLog {
  read(q: { tailLines?: number; sinceMs?: number }): readonly LogLine[];
  /** New lines as they come, then `undefined` when the container ends; returns the unsubscribe. */
  follow(fn: (line: LogLine | undefined) => void): () => void;
}

/** A process's stdio as `pods/exec` connects it. */
export interface ExecIO {
  stdin: Readable | undefined;
  stdout(data: string | Buffer): void;
  stderr(data: string | Buffer): void;
  /** Aborted when the client goes away: the process is killed. */
  signal: AbortSignal;
  /** stdin is a terminal in raw mode (`-t`): the process does the echo and line editing. */
  tty?: boolean;
}

export interface PodBackend {
  /** Run `argv` in a running container; resolves with the exit code, rejects when it cannot start. */
  exec(podUid: string, container: string, argv: string[], io: ExecIO): Promise<number>;
  dial(ip: string, port: number): Promise<Socket>;
  /** The running container's stdin (`stdin: true` in its spec), for attach; `once` is `stdinOnce`. */
  containerStdin(podUid: string, container: string): { stream: Writable; once: boolean } | undefined;
  /** The log of a container instance (`previous`: the one before the last restart). */
  containerLog(podUid: string, container: string, previous: boolean): ContainerLog | undefined;
}

/** Go's dial error wording, which kube-apiserver puts into its 503s. */
function dialError(ip: string, port: number, err: NodeJS.ErrnoException): Error {
  const why = err.code === 'ECONNREFUSED' ? 'connect: connection refused' : err.code === 'ETIMEDOUT' ? 'i/o timeout' : err.message;
  return Object.assign(new Error(`dial tcp ${ip.includes(':') ? `[${ip}]` : ip}:${port}: ${why}`), { code: err.code });
}

/** The default: a plain TCP dial with a timeout, and no kubelet to ask for logs. */
export const directBackend: PodBackend = {
  dial: (ip, port) => new Promise((resolve, reject) => {
    const s = connect({ host: ip, port, timeout: 10_000 });
    s.once('connect', () => {
      s.setTimeout(0);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('timeout', () => {
      s.destroy();
      reject(dialError(ip, port, Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    });
    s.once('error', (err) => reject(dialError(ip, port, err)));
  }),
  containerLog: () => undefined,
  containerStdin: () => undefined,
  exec: () => Promise.reject(new Error('no container runtime is attached to this API server')),
};
