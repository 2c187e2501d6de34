import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { parseListen, startHttpServer, type HttpServer } from '../../src/kube/http.ts';
import { createMetrics } from '../../src/kube/metrics.ts';
import { onTerminate, shutdown } from '../../src/kube/shutdown.ts';
import type { InformerStats } from '../../src/kube/informer.ts';

const log = silentLogger();

async function get(s: HttpServer, path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${s.port}${path}`, { method });
  return { status: res.status, body: await res.text() };
}

describe('parseListen', () => {
  it.each([
    { in: '127.0.0.1:8080', want: { host: '127.0.0.1', port: 8080 } },
    { in: '0.0.0.0:0', want: { host: '0.0.0.0', port: 0 } },
    { in: '[::1]:9153', want: { host: '::1', port: 9153 } },
    { in: ':8080', want: { host: '0.0.0.0', port: 8080 } },
  ])('$in', ({ in: s, want }) => expect(parseListen(s)).toEqual(want));

  it.each(['8080', 'localhost', '1.2.3.4:70000', '::1:80', ''])('rejects %j', (s) => {
    expect(() => parseListen(s)).toThrow(/invalid listen address/);
  });
});

describe('http endpoint', () => {
  const servers: HttpServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(ready: () => boolean): Promise<{ s: HttpServer; metrics: ReturnType<typeof createMetrics> }> {
    const metrics = createMetrics();
    const s = await startHttpServer({ listen: '127.0.0.1:0', metrics, ready, log });
    servers.push(s);
    return { s, metrics };
  }

  it('serves healthz, readyz by sync state and shutdown, 404 and 405', async () => {
    let synced = false;
    const { s } = await start(() => synced);
    expect(await get(s, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect(await get(s, '/readyz')).toEqual({ status: 503, body: 'not synced\n' });
    synced = true;
    expect((await get(s, '/readyz?verbose')).status).toBe(200);
    s.setShuttingDown();
    expect(await get(s, '/readyz')).toEqual({ status: 503, body: 'shutting down\n' });
    expect((await get(s, '/healthz')).status).toBe(200);
    expect((await get(s, '/nope')).status).toBe(404);
    expect((await get(s, '/healthz', 'POST')).status).toBe(405);
  });

  it('exposes DNS, watch, zone and programming metrics', async () => {
    const { s, metrics } = await start(() => true);
    metrics.onQuery(1, 0, 40);
    metrics.onQuery(1, 0, 60);
    metrics.onQuery(33, 3, 30);
    metrics.onQuery(65280, 2, 2000); // private-use type → 'other'
    metrics.observeProgramming(0.003);
    const stats: InformerStats = { restarts: 2, relists: 1, errors: 3, handlerErrors: 0, pageRetries: 0, thaws: 0, lastSyncAt: Date.now() - 5000, lastEventAt: undefined, objects: 7 };
    metrics.trackInformer('pods', { stats: () => stats });
    metrics.trackZone(() => ({ names: 12, records: 30 }));
    const { status, body } = await get(s, '/metrics');
    expect(status).toBe(200);
    expect(body).toContain('ordinal_dns_requests_total{type="A",rcode="NOERROR"} 2');
    expect(body).toContain('ordinal_dns_requests_total{type="SRV",rcode="NXDOMAIN"} 1');
    expect(body).toContain('ordinal_dns_requests_total{type="other",rcode="SERVFAIL"} 1');
    expect(body).toContain('ordinal_dns_request_duration_seconds_bucket{le="0.00005"} 2');
    expect(body).toContain('ordinal_dns_request_duration_seconds_count 4');
    expect(body).toContain('ordinal_dns_programming_duration_seconds_bucket{le="0.004"} 1');
    expect(body).toContain('ordinal_dns_programming_duration_seconds_bucket{le="0.002"} 0');
    expect(body).toContain('ordinal_watch_restarts_total{resource="pods"} 2');
    expect(body).toContain('ordinal_watch_errors_total{resource="pods"} 3');
    expect(body).toContain('ordinal_watch_relists_total{resource="pods"} 1');
    expect(body).toContain('ordinal_watch_objects{resource="pods"} 7');
    expect(body).toMatch(/ordinal_watch_seconds_since_sync\{resource="pods"\} 5(\.\d+)?\n/);
    expect(body).toContain('ordinal_zone_size{what="names"} 12');
    expect(body).toContain('ordinal_process_cpu_seconds_total');
    // Counters come from the informers' own totals: a second scrape does not double them.
    expect((await get(s, '/metrics')).body).toContain('ordinal_watch_restarts_total{resource="pods"} 2');
  });

  it('refuses a bad listen address and a port in use with an error', async () => {
    const { s } = await start(() => true);
    await expect(startHttpServer({ listen: 'nonsense', metrics: createMetrics({ defaultMetrics: false }), ready: () => true, log })).rejects.toThrow(/invalid listen/);
    await expect(startHttpServer({ listen: `127.0.0.1:${s.port}`, metrics: createMetrics({ defaultMetrics: false }), ready: () => true, log })).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('shutdown', () => {
  it('goes unready, drains, then stops dns, watcher, others and http in order, despite failures', async () => {
    const order: string[] = [];
    let ready = true;
    const t0 = Date.now();
    await shutdown({
      drainMs: 50,
      log,
      http: { setShuttingDown: () => void ((ready = false), order.push('unready')), close: async () => void order.push('http') },
      dns: { close: async () => void order.push(`dns@${Date.now() - t0 >= 45 ? 'drained' : 'early'}`) },
      watcher: {
        stop: async () => {
          order.push('watcher');
          throw new Error('stop failed');
        },
      },
      others: [{ close: async () => void order.push('controller') }],
    });
    expect(ready).toBe(false);
    expect(order).toEqual(['unready', 'dns@drained', 'watcher', 'controller', 'http']);
  });

  it('onTerminate runs the shutdown once and exits 0; a second signal exits 1', async () => {
    const proc = new EventEmitter() as EventEmitter & { exit: (code: number) => void };
    const exits: number[] = [];
    proc.exit = (code) => void exits.push(code);
    let runs = 0;
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    const off = onTerminate(async () => {
      runs++;
      await done;
    }, log, proc as unknown as NodeJS.Process);
    proc.emit('SIGTERM', 'SIGTERM');
    proc.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([1]);
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(runs).toBe(1);
    expect(exits).toEqual([1, 0]);
    off();
    expect(proc.listenerCount('SIGTERM')).toBe(0);
  });
});
