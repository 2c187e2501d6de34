/**
 * @module The simulated pod network: pod IPs come from the pod CIDR and exist nowhere on this
 * machine, so a table maps `podIP:containerPort` to the loopback listener of the workload that
 * serves it. Everything that talks to a pod (the API server's proxies, port-forward, probes, one
 * built-in app calling another) dials through `connect`, which fails like a real dial would.
 */
import { connect as netConnect, type Socket } from 'node:net';

export interface PodNetwork {
  /** Route `ip:port` to the listener at 127.0.0.1:`hostPort`. */
  bind(ip: string, port: number, hostPort: number): void;
  /** Remove a route, only if it still points at `hostPort` (a successor may own it already). */
  unbind(ip: string, port: number, hostPort: number): void;
  /** The loopback port serving `ip:port`, if any. */
  lookup(ip: string, port: number): number | undefined;
  /** Dial `ip:port` over the pod network; rejects with Go's dial error text when nothing listens. */
  connect(ip: string, port: number, timeoutMs?: number): Promise<Socket>;
  /** How many routes exist (for leak checks). */
  size(): number;
}

/** An error carrying the errno code and Go's `dial tcp` wording, which kube-apiserver relays. */
export class DialError extends Error {
  readonly code: string;
  constructor(ip: string, port: number, code: string, why: string) {
    super(`dial tcp ${ip.includes(':') ? `[${ip}]` : ip}:${port}: ${why}`);
    this.code = code;
  }
}

export function createPodNetwork(): PodNetwork {
  const routes = new Map<string, number>();
  const key = (ip: string, port: number): string => `${ip}|${port}`;
  return {
    bind(ip, port, hostPort) {
      routes.set(key(ip, port), hostPort);
    },
    unbind(ip, port, hostPort) {
      if (routes.get(key(ip, port)) === hostPort) routes.delete(key(ip, port));
    },
    lookup: (ip, port) => routes.get(key(ip, port)),
    size: () => routes.size,
    connect(ip, port, timeoutMs = 10_000) {
      const hostPort = routes.get(key(ip, port));
      if (hostPort === undefined) return Promise.reject(new DialError(ip, port, 'ECONNREFUSED', 'connect: connection refused'));
      return new Promise((resolve, reject) => {
        const sock = netConnect({ host: '127.0.0.1', port: hostPort });
        const timer = setTimeout(() => {
          sock.destroy();
          reject(new DialError(ip, port, 'ETIMEDOUT', 'i/o timeout'));
        }, timeoutMs);
        sock.once('connect', () => {
          clearTimeout(timer);
          sock.removeAllListeners('error');
          resolve(sock);
        });
        sock.once('error', () => {
          clearTimeout(timer);
          // The listener went away between lookup and dial: the pod stopped listening.
          reject(new DialError(ip, port, 'ECONNREFUSED', 'connect: connection refused'));
        });
      });
    },
  };
}
