import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ClusterView } from '../../bench/soak/expect.ts';
import { Oracle } from '../../bench/soak/oracle.ts';
import { startLocalApi, type LocalApi } from '../../src/local/api/index.ts';
import { waitFor } from '../kube/helpers.ts';

/** An oracle whose history holds one view per time in `ts` (each view names its time). */
function oracleWith(ts: number[]): Oracle {
  const o = new Oracle(new KubeConfig(), 60_000);
  const history = ts.map((t) => ({ t, view: { pods: new Map(), services: new Map(), sets: new Map([[`t${t}`, {}]]) } as unknown as ClusterView }));
  Object.assign(o, { history });
  return o;
}
const times = (views: ClusterView[]): number[] => views.map((v) => Number([...v.sets.keys()][0]!.slice(1)));

describe('Oracle.viewsBetween', () => {
  it.each([
    { name: 'the view current at `near` first, then outwards', from: 5, to: 35, near: 22, want: [20, 30, 10, 0] },
    { name: 'near the end of the window', from: 5, to: 35, near: 35, want: [30, 20, 10, 0] },
    { name: 'near before every view in it', from: 15, to: 45, near: 0, want: [10, 20, 30, 40] },
    { name: 'one view', from: 41, to: 45, near: 42, want: [40] },
  ])('every view current in [from, to], once: $name', ({ from, to, near, want }) => {
    expect(times(oracleWith([0, 10, 20, 30, 40]).viewsBetween(from, to, near))).toEqual(want);
  });
});

describe('Oracle against the embedded API server', () => {
  it('resumes each ended watch from its resourceVersion, seeing every state; lists again only on 410 Gone, and keeps that gap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordinal-oracle-'));
    const a = await startLocalApi({ listen: '127.0.0.1:0', dataDir: dir });
    const kc = new KubeConfig();
    kc.loadFromString(a.kubeConfig().exportConfig());
    const core = kc.makeApiClient(CoreV1Api);
    // The API ends each watch after 1 s.
    const o = new Oracle(kc, 600_000, 1);
    let b: LocalApi | undefined;
    try {
      await o.start();
      const t0 = Date.now();
      for (const name of ['p0', 'p1', 'p2']) {
        await new Promise((r) => setTimeout(r, 1200));
        await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
      }
      await waitFor(() => o.view.pods.size === 3, 5000, 'three pods');
      expect(o.relists).toBe(0);
      expect(new Set(o.viewsBetween(t0, Date.now()).map((v) => v.pods.size))).toEqual(new Set([0, 1, 2, 3]));

      // A restart forgets the watch history; p1 goes and the store compacts before the oracle is back.
      const port = a.port;
      const closedAt = Date.now();
      await a.close();
      b = await startLocalApi({ listen: `127.0.0.1:${port}`, dataDir: dir });
      b.store.remove('pods', 'default', 'p1');
      b.store.compact();
      await waitFor(() => o.view.pods.size === 2, 10_000, 'relisted');
      expect(o.relists).toBeGreaterThanOrEqual(1);
      const podGaps = o.gapsBetween(closedAt, Date.now()).filter((g) => g.before.pods.size === 3 && g.after.pods.size === 2);
      expect(podGaps).toHaveLength(1);
      expect(podGaps[0]!.from).toBeLessThanOrEqual(closedAt + 100);
      expect(podGaps[0]!.from).toBeGreaterThan(closedAt - 2000);
      expect(podGaps[0]!.to).toBeGreaterThan(closedAt);
    } finally {
      o.stop();
      await b?.close();
      await a.close();
    }
  }, 30_000);
});
