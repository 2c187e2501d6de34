/**
 * kill -9 of `ordinal local` in the middle of the book's walk (issue 11): greetings are posted
 * to kubia-0 and kubia-1 through the API server's pod proxy, the StatefulSet is scaled to three,
 * the process is SIGKILLed, and a new `ordinal local` on the same data dir finishes the walk:
 * every greeting is intact, the pods serve again, and deleting kubia-0 still keeps its data.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from './harness/util.ts';
import { startLocalCluster, type LocalCluster } from './local-cluster.ts';

const POD = '/api/v1/namespaces/default/pods';
const greeting = (n: number): string => `Hey there! This greeting was submitted to kubia-${n}.`;

async function ready(c: LocalCluster, pod: string): Promise<void> {
  await waitFor(async () => (await c.kubectl('wait', '--for=condition=Ready', `pod/${pod}`, '--timeout=5s')).code === 0, 90_000, { what: `${pod} Ready` });
}

/** GET through pods/<pod>/proxy/ once the pod answers (right after a restart it may not yet). */
async function hit(c: LocalCluster, pod: string): Promise<string> {
  return waitFor(async () => {
    const r = await c.kubectl('get', '--raw', `${POD}/${pod}/proxy/`);
    return r.code === 0 ? r.stdout : undefined;
  }, 30_000, { what: `${pod} answering` });
}

describe('kill -9 of ordinal local mid-walk, then a restart on the same data dir', () => {
  const clusters: LocalCluster[] = [];
  afterAll(async () => {
    for (const c of clusters.reverse()) await c.stop();
  });

  it('keeps every posted greeting and finishes the walk', async () => {
    const first = await startLocalCluster(['--ready-delay', '200ms']);
    clusters.push(first);
    await ready(first, 'kubia-1');
    for (const n of [0, 1]) {
      const file = join(first.dataDir, `greeting-${n}.txt`);
      writeFileSync(file, greeting(n));
      expect(await first.k('create', '--raw', `${POD}/kubia-${n}/proxy/`, '-f', file)).toBe(`Data stored on pod kubia-${n}\n`);
    }
    await first.k('scale', 'sts', 'kubia', '--replicas=3');
    await ready(first, 'kubia-2');
    await first.kill9!();

    const second = await startLocalCluster(['--ready-delay', '200ms'], undefined, { dataDir: first.dataDir });
    clusters.push(second);
    for (const n of [0, 1]) expect(await hit(second, `kubia-${n}`)).toBe(`You've hit kubia-${n}\nData stored on this pod: ${greeting(n)}\n`);
    expect(await hit(second, 'kubia-2')).toBe("You've hit kubia-2\nData stored on this pod: No data posted yet\n");
    await second.k('delete', 'po', 'kubia-0');
    await ready(second, 'kubia-0');
    expect(await hit(second, 'kubia-0')).toBe(`You've hit kubia-0\nData stored on this pod: ${greeting(0)}\n`);
  }, 240_000);
});
