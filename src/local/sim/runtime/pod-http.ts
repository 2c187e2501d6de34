/**
 * @module HTTP over the simulated pod network: node:http with a connection dialled through
 * the pod network table (pod IPs are not routable on this machine). Used by the peers app and
 * the kubelet's httpGet probes.
 */
import { request, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { PodNetwork } from './network.ts';

export interface PodRequest {
  method?: string;
  path: string;
  /** The Host header; defaults to `ip:port`. */
  host?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

/** Issue one request to `ip:port` and resolve with the response (body unread). */
export function podRequest(network: PodNetwork, ip: string, port: number, r: PodRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({
      method: r.method ?? 'GET',
      path: r.path,
      headers: { host: r.host ?? `${ip}:${port}`, ...r.headers },
      // The callback form: node:http waits for the socket the pod network dials.
      createConnection: (_opts, cb: (err: Error | null, s: Duplex) => void) => {
        network.connect(ip, port, r.timeoutMs).then((s) => cb(null, s), (err: Error) => cb(err, undefined as unknown as Duplex));
        return undefined;
      },
    });
    if (r.timeoutMs) req.setTimeout(r.timeoutMs, () => req.destroy(new Error(`Get "http://${ip}:${port}${r.path}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)));
    req.once('response', resolve);
    req.once('error', reject);
    req.end(r.body);
  });
}

/** GET and read the whole body. */
export async function podGet(network: PodNetwork, ip: string, port: number, path: string, host?: string): Promise<Buffer> {
  const res = await podRequest(network, ip, port, host ? { path, host: `${host}:${port}` } : { path });
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
