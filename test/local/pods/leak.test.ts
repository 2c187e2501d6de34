/**
 * Listeners, sockets, timers and files of deleted pods are released: 500 pods of the book's
 * HTTP image are created and deleted (five rounds of 100, as three nodes take 330, after three
 * warm-up rounds), each one reached through the API server's proxy, and afterwards the runtime
 * holds no sandbox, the pod network no route, and the process no more handles, heap or RSS than
 * after the warm-up rounds.
 */
import { request } from 'node:https';
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../sim/cluster.ts';
import { startPodsStack, type PodsStack } from './stack.ts';

const WARM_ROUNDS = 3;
const ROUNDS = WARM_ROUNDS + 5;
const PER_ROUND = 100;
const NS = 'leak';

function get(s: PodsStack, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: s.api.host, port: s.api.port, path, ca: s.api.caPem, headers: { authorization: `Bearer ${s.api.token}` }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

// A full collection before each memory reading, so garbage does not count as a leak.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function memory(): { heap: number; external: number; rss: number } {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, rss: m.rss };
}

const handles = (): number => process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && r !== 'Immediate').length;

describe('500 pods created and deleted', () => {
  let s: PodsStack;
  beforeAll(async () => {
    // Events expire after 1 s (`--event-ttl`, 1h by default as kube-apiserver): the kubelet's
    // Scheduled/Pulled/Created/Started/Killing Events are state the user asked to keep, not a leak.
    s = await startPodsStack({ manifests: [], args: ['--event-ttl', '1s'] });
    await s.core.createNamespace({ body: { metadata: { name: NS } } });
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
    if (s) await rm(s.dataDir, { recursive: true, force: true });
  });

  it('leave no sandboxes, routes, handles or pod directories behind', async () => {
    const before = handles();
    let warm: ReturnType<typeof memory> | undefined;
    const rss: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const names = Array.from({ length: PER_ROUND }, (_, i) => `p-${round}-${i}`);
      await Promise.all(names.map((name) => s.core.createNamespacedPod({ namespace: NS, body: { metadata: { name, labels: { round: String(round) } }, spec: { containers: [{ name: 'app', image: 'luksa/kubia', ports: [{ containerPort: 8080 }] }] } } })));
      await waitFor(`round ${round}: ${PER_ROUND} pods Ready`, async () => {
        const list = await s.core.listNamespacedPod({ namespace: NS });
        return list.items.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === PER_ROUND;
      }, 60_000);
      const codes = await Promise.all(names.slice(0, 20).map((n) => get(s, `/api/v1/namespaces/${NS}/pods/${n}/proxy/`)));
      expect(codes.every((c) => c === 200)).toBe(true);
      await s.core.deleteCollectionNamespacedPod({ namespace: NS, gracePeriodSeconds: 0 });
      await waitFor(`round ${round}: pods gone`, async () => (await s.core.listNamespacedPod({ namespace: NS })).items.length === 0 && s.runtime.size() === 0, 60_000);
      await waitFor(`round ${round}: its Events expired`, async () => (await s.core.listNamespacedEvent({ namespace: NS })).items.length === 0, 10_000);
      // The watch history (10,000 events) is bounded, and kube-apiserver compacts etcd's every
      // 5 minutes: forget it here, so that what is measured is what the pods left behind.
      s.api.store.compact();
      // A full collection after each round, as V8's memory reducer does once the process is idle:
      // between collections, garbage holds native memory and the allocator's high-water mark
      // rises with the collector's schedule, not with what the pods left behind.
      const m = memory();
      rss.push(Math.round(m.rss / 2 ** 20));
      // Warm-up rounds fill caches, pools, JIT code and the old generation; later rounds must not add to it.
      if (round === WARM_ROUNDS - 1) warm = m;
    }
    expect(s.runtime.size()).toBe(0);
    expect(s.runtime.network.size()).toBe(0);
    expect(readdirSync(join(s.dataDir, 'pods'))).toEqual([]);
    await waitFor('handles back to where they were', async () => handles() <= before + 5, 10_000);
    const after = memory();
    const mb = (m: ReturnType<typeof memory>): string => `heap ${(m.heap / 2 ** 20).toFixed(1)} MB, external ${(m.external / 2 ** 20).toFixed(1)} MB, rss ${(m.rss / 2 ** 20).toFixed(1)} MB`;
    console.log(`after round ${WARM_ROUNDS}: ${mb(warm!)}; after round ${ROUNDS}: ${mb(after)}; RSS MB per round: ${rss.join(' ')}`);
    expect(after.external - warm!.external).toBeLessThan(6 * 2 ** 20);
    expect(after.heap - warm!.heap).toBeLessThan(6 * 2 ** 20);
    // RSS, with the product's V8 flags (vitest.config.ts: 2 MB semi-spaces, as bin/ordinal.js).
    // Measured here over the five rounds after warm-up: 3-11 MB with V8's heap and external
    // memory flat, almost all of it malloc's heap (brk) and slowing every round (16 rounds: +0.8
    // MB over the last 300 pods): the allocator's fragmentation settling. Before Events expired
    // and the test's own client was pooled, 3-64 MB. 16 MB fails a leak of 32 KB a pod.
    expect(after.rss - warm!.rss).toBeLessThan(16 * 2 ** 20);
  }, 300_000);
});
