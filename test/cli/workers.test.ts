// `--workers N`: one set of inputs (manifests or watches) on the main thread, slim-record
// deltas to every worker (zone-feed.ts), and a pool that restarts a worker that dies while
// the others keep serving.
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type ServeConfig } from '../../src/cli/config.ts';
import { startLiveServe } from '../../src/cli/live.ts';
import { startWorkerPool, threadRole, threadsNote, workerCount, type WorkerPool } from '../../src/cli/worker-pool.ts';
import { ZoneFeed, type ZoneMessage } from '../../src/cli/zone-feed.ts';
import { releaseAgents } from '../../src/kube/client.ts';
import { startLocalApi } from '../../src/local/api/index.ts';
import { silentLogger } from '../../src/log.ts';
import { toSlim } from '../../src/zone/project.ts';
import type { SlimRecord } from '../../src/zone/records.ts';
import dgram from 'node:dgram';
import { buildQuery, decode, tcpExchange, udpExchange } from '../helpers/dns-client.ts';
import { records, transfer } from '../dns/xfr-helpers.ts';
import { pod, waitFor } from '../kube/helpers.ts';
import { UDP_PATHS } from '../dns/udp-paths.ts';

const cfgOf = (...argv: string[]): ServeConfig => {
  const c = parseConfig(['serve', '--dns-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--log-level', 'silent', ...argv]);
  if (c.command !== 'serve') throw new Error('not serve');
  return c.serve;
};

const service = (name: string): object => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: { clusterIP: 'None', selector: { app: name }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }] },
});
const NAME = 'web-0.web.default.svc.cluster.local';

/** The A answers of `name` from `n` fresh sockets (fresh source ports spread over the workers). */
async function answers(port: number, name: string, n = 24): Promise<string[]> {
  const replies = await Promise.all(Array.from({ length: n }, (_, i) => udpExchange(port, buildQuery(name, 1, { id: i }))));
  return replies.map((r) => {
    const p = decode(r);
    return p.answers[0]?.address ?? `rcode ${p.header.rcode}`;
  });
}

/** The SOA MINIMUM of `name`'s negative answer from `n` fresh sockets (spread over the workers). */
async function minimums(port: number, name: string, n = 24): Promise<number[]> {
  const replies = await Promise.all(Array.from({ length: n }, (_, i) => udpExchange(port, buildQuery(name, 1, { id: i }))));
  return replies.map((r) => (decode(r).authorities[0] as unknown as { minimum: number } | undefined)?.minimum ?? -1);
}

/** Retry an async check until it holds (waitFor takes synchronous checks only). */
async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ZoneFeed', () => {
  const a = toSlim(pod('web-0', 'default', { app: 'web' }, true, '10.0.0.1'));
  const a2 = toSlim(pod('web-0', 'default', { app: 'web' }, true, '10.0.0.2'));
  const ns: SlimRecord = { kind: 'Namespace', name: 'default' };
  it.each([
    { name: 'empty', steps: (_f: ZoneFeed) => undefined, seed: [] },
    { name: 'latest record wins', steps: (f: ZoneFeed) => { f.apply(a); f.apply(a2); }, seed: [{ op: 'apply', r: a2 }] },
    { name: 'removed records are gone', steps: (f: ZoneFeed) => { f.apply(ns); f.apply(a); f.remove(a); }, seed: [{ op: 'apply', r: ns }] },
    { name: 'synced comes last', steps: (f: ZoneFeed) => { f.markSynced(); f.apply(a); }, seed: [{ op: 'apply', r: a }, { op: 'synced' }] },
  ])('seed: $name', ({ steps, seed }) => {
    const f = new ZoneFeed();
    steps(f);
    expect(f.seed()).toEqual({ type: 'zone', ops: seed });
  });

  it('attach seeds, then flush sends each delta once, in order, to attached ports only', () => {
    const f = new ZoneFeed();
    f.apply(ns);
    const got: ZoneMessage[] = [];
    const other: ZoneMessage[] = [];
    const port = { postMessage: (m: unknown) => void got.push(m as ZoneMessage) };
    f.attach(port);
    f.apply(a);
    f.remove(a);
    f.remove(a); // unknown now: not sent
    f.flush();
    f.flush();
    f.detach(port);
    f.attach({ postMessage: (m: unknown) => void other.push(m as ZoneMessage) });
    f.apply(a2);
    f.flush();
    // The namespace was still pending at attach: it comes again after the seed (applying is idempotent).
    expect(got.map((m) => m.ops.map((o) => o.op))).toEqual([['apply'], ['apply', 'apply', 'remove']]);
    expect(other.map((m) => m.ops.length)).toEqual([1, 1]);
  });

  it.each([
    { count: 2, tcp: false, index: 0, want: { protocols: 'udp+tcp', notify: true } },
    { count: 2, tcp: false, index: 1, want: { protocols: 'udp+tcp', notify: false } },
    { count: 1, tcp: true, index: 0, want: { protocols: 'udp', notify: false } },
    { count: 1, tcp: true, index: 1, want: { protocols: 'tcp', notify: true } },
    { count: 3, tcp: true, index: 2, want: { protocols: 'udp', notify: false } },
  ])('thread $index of $count, TCP thread $tcp: $want.protocols', ({ count, tcp, index, want }) => {
    expect(threadRole(count, tcp, index)).toEqual(want);
  });

  it.each([
    { p: {}, want: '' },
    { p: { udpThreads: 1, tcpThread: false }, want: '' },
    { p: { udpThreads: 2, tcpThread: false }, want: ' (2 workers)' },
    { p: { udpThreads: 1, tcpThread: true }, want: ' (1 worker, TCP and zone transfers on a thread of their own)' },
  ])('startup note $want', ({ p, want }) => {
    expect(threadsNote(p)).toBe(want);
  });

  it('--workers 0 means one per available core', () => {
    expect(workerCount(0)).toBeGreaterThanOrEqual(1);
    expect(workerCount(3)).toBe(3);
  });
});

describe.each(UDP_PATHS)('worker pool, udp-io %s', (udpIo) => {
  let pool: WorkerPool | undefined;
  afterEach(async () => { await pool?.close(); pool = undefined; });

  it('every worker answers from the fed zone and follows its changes; a killed worker is restarted while the other serves', async () => {
    const feed = new ZoneFeed();
    for (const o of [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }, service('web'), pod('web-0', 'default', { app: 'web' }, true, '10.1.0.1')]) feed.apply(toSlim(o));
    feed.markSynced();
    feed.flush();
    pool = await startWorkerPool({ ...cfgOf('--workers', '2'), udpIo }, 2, feed, silentLogger());
    expect(await answers(pool.port, NAME)).toEqual(Array(24).fill('10.1.0.1'));

    feed.apply(toSlim(pod('web-0', 'default', { app: 'web' }, true, '10.1.0.2')));
    feed.flush();
    await eventually(async () => (await answers(pool!.port, NAME)).every((a) => a === '10.1.0.2'), 5000, 'the change in every worker');
    expect(await answers(pool.port, NAME)).toEqual(Array(24).fill('10.1.0.2'));

    const [victim] = pool.workers();
    await victim!.terminate();
    // The survivor has the port to itself until the restart: nothing goes unanswered.
    expect(await answers(pool.port, NAME)).toEqual(Array(24).fill('10.1.0.2'));
    await waitFor(() => pool!.restarts() === 1 && pool!.workers().length === 2, 10_000, 'the restart');
    // The new worker was seeded with the current zone.
    expect(await answers(pool.port, NAME, 40)).toEqual(Array(40).fill('10.1.0.2'));
    const stats = await pool.stats();
    expect(stats.queries).toBeGreaterThan(0);
    if (udpIo === 'batch') expect(stats.udp?.dropped).toBe(0);
    else expect(stats.udp).toBeUndefined();
  });
});

describe('cluster mode with --workers 2 (embedded API)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('one set of watches feeds both workers: readiness and a delete reach every answer; /metrics sums the workers', async () => {
    const api = await startLocalApi({ listen: '127.0.0.1:0' });
    cleanups.push(() => api.close());
    const kc: KubeConfig = api.kubeConfig();
    cleanups.push(async () => releaseAgents(kc));
    const live = await startLiveServe(cfgOf('--workers', '2'), kc, silentLogger(), false);
    cleanups.push(() => live.close(0));
    expect(live.dns.pool?.workers().length).toBe(2);
    // One informer per kind (Namespaces, Services, Pods, StatefulSets), on the main thread only.
    expect(live.watcher.informers.length).toBe(4);
    await live.watcher.synced;

    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedService({ namespace: 'default', body: service('web') as V1Service });
    // Create ignores status (a subresource): the pod is not Ready, so not in the zone yet.
    const created = await core.createNamespacedPod({ namespace: 'default', body: pod('web-0', 'default', { app: 'web' }, true, '10.2.0.7') as unknown as V1Pod });
    const port = live.dns.port;
    expect(await answers(port, NAME)).toEqual(Array(24).fill('rcode 3'));
    // Every worker knows the not-Ready pod will carry the name (expected-name rule, MINIMUM 0),
    // and, fed the StatefulSet, its other ordinals too; beyond them the zone's MINIMUM (--ttl 5).
    await eventually(async () => (await minimums(port, NAME)).every((m) => m === 0), 10_000, 'the expected name in every worker');
    await kc.makeApiClient(AppsV1Api).createNamespacedStatefulSet({ namespace: 'default', body: {
      metadata: { name: 'web' },
      spec: { serviceName: 'web', replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    } });
    await eventually(async () => (await minimums(port, 'web-2.web.default.svc.cluster.local')).every((m) => m === 0), 10_000, 'the StatefulSet in every worker');
    expect(await minimums(port, 'web-3.web.default.svc.cluster.local')).toEqual(Array(24).fill(5));
    // Readiness arrives through the status subresource, as a kubelet reports it.
    const { status } = pod('web-0', 'default', { app: 'web' }, true, '10.2.0.7');
    await core.replaceNamespacedPodStatus({ name: 'web-0', namespace: 'default', body: { ...created, status } as V1Pod });
    await eventually(async () => (await answers(port, NAME)).every((a) => a === '10.2.0.7'), 10_000, 'the pod in every worker');

    // /metrics sums the workers' counters into the main thread's.
    const text = await (await fetch(`http://127.0.0.1:${live.http.port}/metrics`)).text();
    const answered = Number(/^ordinal_dns_requests_total\{type="A",rcode="NOERROR"\} (\d+)/m.exec(text)?.[1]);
    expect(answered).toBeGreaterThanOrEqual(24);
    expect(text).toMatch(/^ordinal_dns_udp_dropped_replies_total 0$/m);
    // The main thread's own process metrics are still there, once.
    expect(text.match(/^ordinal_process_start_time_seconds \d+/gm)?.length).toBe(1);
    expect(text).toMatch(/^ordinal_dns_udp_total\{event="received"\} [1-9]/m);
    // Each worker's own V8 heap, which the process's heap metrics (the main isolate's) leave out.
    for (const thread of ['0', '1']) {
      for (const kind of ['used', 'total', 'physical']) expect(text).toMatch(new RegExp(`^ordinal_dns_thread_heap_bytes\\{thread="${thread}",kind="${kind}"\\} [1-9]\\d{5,}$`, 'm'));
      for (const space of ['new', 'old', 'code']) expect(text).toMatch(new RegExp(`^ordinal_dns_thread_heap_space_bytes\\{thread="${thread}",space="${space}"\\} [1-9]\\d{4,}$`, 'm'));
      // Each worker took in the Service, the StatefulSet and the pod's changes: each a pause of its answers.
      expect(text).toMatch(new RegExp(`^ordinal_dns_thread_pause_seconds_count\\{thread="${thread}",cause="zone_delta"\\} [1-9]`, 'm'));
    }

    await core.deleteNamespacedPod({ name: 'web-0', namespace: 'default', gracePeriodSeconds: 0 });
    await eventually(async () => (await answers(port, NAME)).every((a) => a === 'rcode 3'), 10_000, 'NXDOMAIN in every worker');
  });
});

describe('with --transfer-to, TCP and zone transfers on a thread of their own', () => {
  let pool: WorkerPool | undefined;
  let secondary: dgram.Socket | undefined;
  afterEach(async () => { await pool?.close(); pool = undefined; secondary?.close(); secondary = undefined; });

  it('the UDP worker never serves TCP; the TCP thread transfers, sends NOTIFY, and is restarted while UDP keeps answering', async () => {
    // A fake secondary: it records NOTIFYs (opcode 4) and acknowledges them.
    const notifies: number[] = [];
    secondary = dgram.createSocket('udp4');
    secondary.on('message', (m, from) => {
      if (((m[2]! >> 3) & 0x0f) !== 4) return;
      notifies.push(Date.now());
      const ack = Buffer.from(m);
      ack[2] = (ack[2]! | 0x80);
      secondary!.send(ack, from.port, from.address);
    });
    await new Promise<void>((r) => secondary!.bind(0, '127.0.0.1', () => r()));
    const feed = new ZoneFeed();
    for (const o of [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }, service('web'), pod('web-0', 'default', { app: 'web' }, true, '10.1.0.1')]) feed.apply(toSlim(o));
    feed.markSynced();
    feed.flush();
    pool = await startWorkerPool({ ...cfgOf('--transfer-to', `127.0.0.1:${secondary.address().port}`), udpIo: 'dgram' }, 1, feed, silentLogger());
    expect([pool.udpThreads, pool.tcpThread, pool.workers().length]).toEqual([1, true, 2]);

    expect(await answers(pool.port, NAME)).toEqual(Array(24).fill('10.1.0.1'));
    const [overTcp] = await tcpExchange(pool.port, [buildQuery(NAME, 1)]);
    expect(decode(overTcp!).answers[0]?.address).toBe('10.1.0.1');
    // Until its first serial is sealed (at the next second, zone/serial.ts) a thread answers SERVFAIL.
    let axfr: ReturnType<typeof records> = [];
    await eventually(async () => (axfr = (await transfer(pool!.port, buildQuery('cluster.local', 252))).flatMap(records)).length > 0, 3000, 'a sealed zone to transfer');
    expect([axfr[0]?.type, axfr.at(-1)?.type]).toEqual([6, 6]);
    expect(axfr.filter((r) => r.name === NAME && r.type === 1).map((r) => r.data)).toEqual([JSON.stringify({ address: '10.1.0.1' })]);

    // A change is NOTIFYed (by the TCP thread: the UDP one has notify off).
    const before = notifies.length;
    feed.apply(toSlim(pod('web-0', 'default', { app: 'web' }, true, '10.1.0.2')));
    feed.flush();
    await eventually(async () => notifies.length > before, 5000, 'a NOTIFY for the change');

    const tcpThread = pool.workers()[1]!;
    await tcpThread.terminate();
    // UDP is not on that thread: every query is still answered while it is down.
    expect(await answers(pool.port, NAME)).toEqual(Array(24).fill('10.1.0.2'));
    await waitFor(() => pool!.restarts() === 1 && pool!.workers().length === 2, 10_000, 'the TCP thread restarted');
    await eventually(async () => {
      try {
        const [m] = await tcpExchange(pool!.port, [buildQuery(NAME, 1)]);
        return decode(m!).answers[0]?.address === '10.1.0.2';
      } catch {
        return false;
      }
    }, 5000, 'TCP answered by the new thread');
  });
});

