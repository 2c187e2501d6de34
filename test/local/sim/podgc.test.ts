import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { orphanedPods } from '../../../src/local/sim/podgc.ts';

const pod = (name: string, nodeName?: string): V1Pod => ({ metadata: { name }, spec: { containers: [], ...(nodeName ? { nodeName } : {}) } });
const exists = (n: string): boolean => n === 'alive';

describe('orphanedPods', () => {
  it('waits out the quarantine, then removes pods of missing nodes only', () => {
    const pods = [pod('a', 'alive'), pod('b', 'gone'), pod('c'), pod('d', 'gone')];
    const first = orphanedPods(pods, exists, new Map(), 1000, 500);
    expect(first.remove).toEqual([]);
    expect([...first.missingSince]).toEqual([['gone', 1000]]);
    const early = orphanedPods(pods, exists, first.missingSince, 1499, 500);
    expect(early.remove).toEqual([]);
    const due = orphanedPods(pods, exists, early.missingSince, 1500, 500);
    expect(due.remove.map((p) => p.metadata?.name)).toEqual(['b', 'd']);
  });

  it('forgets a node that came back', () => {
    const gone = orphanedPods([pod('b', 'gone')], exists, new Map(), 0, 500);
    const back = orphanedPods([pod('b', 'gone')], () => true, gone.missingSince, 400, 500);
    expect(back.missingSince.size).toBe(0);
    const again = orphanedPods([pod('b', 'gone')], exists, back.missingSince, 600, 500);
    expect(again.remove).toEqual([]);
  });
});
