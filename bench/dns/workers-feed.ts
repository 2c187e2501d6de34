/**
 * Worker feed bench (`--workers N`, src/cli/zone-feed.ts): what seeding and following the zone
 * costs when the main thread sends slim-record deltas to N DNS worker threads.
 *
 *   node_modules/.bin/node bench/dns/workers-feed.ts [pods=10000] [services=1000] [flips=200] [workers=2]
 *
 * Reports the time until N workers, seeded with the whole zone, are listening; then, for
 * `flips` single-pod address changes, the time from the main thread's flush to the moment a
 * UDP query from each of 8 fresh sockets (spread over the workers by SO_REUSEPORT) gets the
 * new address: an upper bound on the delta's hop to every worker, query round trips included.
 */
import { parseConfig } from '../../src/cli/config.ts';
import { startWorkerPool } from '../../src/cli/worker-pool.ts';
import { ZoneFeed } from '../../src/cli/zone-feed.ts';
import { silentLogger } from '../../src/log.ts';
import { toSlim } from '../../src/zone/project.ts';
import { buildQuery, decode, udpExchange } from '../../test/helpers/dns-client.ts';

const [PODS = 10_000, SERVICES = 1_000, FLIPS = 200, WORKERS = 2] = process.argv.slice(2).map(Number);
const perSvc = Math.ceil(PODS / SERVICES);

const ip = (i: number, gen: number): string => `10.${(gen % 200) + 1}.${(i >> 8) & 255}.${i & 255}`;
function pod(i: number, gen: number): object {
  const svc = Math.floor(i / perSvc);
  return {
    kind: 'Pod', metadata: { name: `p-${i}`, namespace: 'default', labels: { app: `s-${svc}` } },
    spec: { hostname: `p-${i}`, subdomain: `s-${svc}` },
    status: { phase: 'Running', podIP: ip(i, gen), podIPs: [{ ip: ip(i, gen) }], conditions: [{ type: 'Ready', status: 'True' }] },
  };
}
const service = (s: number): object => ({
  kind: 'Service', metadata: { name: `s-${s}`, namespace: 'default' },
  spec: { clusterIP: 'None', selector: { app: `s-${s}` }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
});

const cfg = parseConfig(['serve', '--dns-listen', '127.0.0.1:0', '--log-level', 'silent', '--udp-io', 'auto']);
if (cfg.command !== 'serve') throw new Error('unreachable');
const feed = new ZoneFeed();
feed.apply(toSlim({ kind: 'Namespace', metadata: { name: 'default' } }));
for (let s = 0; s < SERVICES; s++) feed.apply(toSlim(service(s)));
for (let i = 0; i < PODS; i++) feed.apply(toSlim(pod(i, 0)));
feed.markSynced();
feed.flush();

const t0 = performance.now();
const pool = await startWorkerPool({ ...cfg.serve, udpIo: 'dgram' }, WORKERS, feed, silentLogger());
const seedMs = performance.now() - t0;

async function everyWorkerSays(name: string, want: string): Promise<boolean> {
  const replies = await Promise.all(Array.from({ length: 8 }, () => udpExchange(pool.port, buildQuery(name, 1))));
  return replies.every((r) => decode(r).answers[0]?.address === want);
}

const lat: number[] = [];
for (let f = 1; f <= FLIPS; f++) {
  const i = (f * 7919) % PODS;
  const name = `p-${i}.s-${Math.floor(i / perSvc)}.default.svc.cluster.local`;
  feed.apply(toSlim(pod(i, f)));
  const start = performance.now();
  feed.flush();
  while (!(await everyWorkerSays(name, ip(i, f)))) { /* poll */ }
  lat.push(performance.now() - start);
}
lat.sort((a, b) => a - b);
const q = (p: number): string => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(2);
console.log(`pods=${PODS} services=${SERVICES} workers=${WORKERS} seed_to_listening_ms=${seedMs.toFixed(0)} flips=${FLIPS} delta_to_every_worker_ms p50=${q(0.5)} p99=${q(0.99)} max=${q(1)}`);
await pool.close();
