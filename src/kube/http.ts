/**
 * @module The health and metrics HTTP endpoint (--http-listen, default 127.0.0.1:8080).
 *
 * - GET /healthz: 200 while the process is alive and its event loop turns (liveness);
 * - GET /readyz: 200 once the zone is synced, 503 before that and while shutting down, so a
 *   Service stops sending queries before DNS closes (CoreDNS `ready` + `health lameduck`);
 * - GET /metrics: Prometheus text format from the Metrics registry.
 * Anything else is 404; non-GET/HEAD is 405. Handler errors answer 500, never crash.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.ts';
import type { Metrics } from './metrics.ts';

export interface HttpServerOptions {
  /** host:port, '[v6]:port' or ':port'; port 0 picks a free port. */
  listen: string;
  metrics: Metrics;
  /** Readiness of the data (e.g. watcher synced). */
  ready: () => boolean;
  log: Logger;
}

export interface HttpServer {
  readonly address: string;
  readonly port: number;
  /** From now on /readyz answers 503 (shutdown started). */
  setShuttingDown(): void;
  close(): Promise<void>;
}

/** Split 'host:port' / '[v6]:port' / ':port'. Throws a clear error for anything else. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`invalid listen address "${listen}": want host:port, e.g. 127.0.0.1:8080`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function send(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const { host, port } = parseListen(opts.listen);
  const log = opts.log.child({ component: 'http' });
  let shuttingDown = false;

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/healthz':
      case '/livez':
        return send(res, 200, 'ok\n');
      case '/readyz':
        if (shuttingDown) return send(res, 503, 'shutting down\n');
        return opts.ready() ? send(res, 200, 'ok\n') : send(res, 503, 'not synced\n');
      case '/metrics':
        return send(res, 200, await opts.metrics.render(), opts.metrics.registry.contentType);
      default:
        return send(res, 404, 'not found\n');
    }
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      log.error({ err, url: req.url }, 'http handler failed');
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  log.info({ address: `${addr.address}:${addr.port}` }, 'http listening (/healthz /readyz /metrics)');
  let closing: Promise<void> | undefined;
  return {
    address: addr.address,
    port: addr.port,
    setShuttingDown(): void {
      shuttingDown = true;
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
