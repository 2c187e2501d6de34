import type { V1Node, V1Pod, V1Taint, V1Toleration } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { pickNode } from '../../../src/local/sim/node.ts';
import { podFitsNode, tolerates } from '../../../src/local/sim/scheduling.ts';

const taint = (key: string, effect: string, value?: string): V1Taint => ({ key, effect, ...(value ? { value } : {}) });
const node = (labels: Record<string, string>, taints: V1Taint[] = []): V1Node => ({ metadata: { name: 'n', labels }, spec: { taints } });
const pod = (nodeSelector?: Record<string, string>, tolerations?: V1Toleration[]): V1Pod => ({ spec: { containers: [], ...(nodeSelector ? { nodeSelector } : {}), ...(tolerations ? { tolerations } : {}) } });

describe('tolerates', () => {
  it.each([
    { t: { key: 'k', operator: 'Exists' }, taint: taint('k', 'NoSchedule'), want: true },
    { t: { key: 'k', operator: 'Equal', value: 'v' }, taint: taint('k', 'NoSchedule', 'v'), want: true },
    { t: { key: 'k', value: 'v' }, taint: taint('k', 'NoSchedule', 'w'), want: false },
    { t: { key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint: taint('k', 'NoSchedule'), want: false },
    { t: { operator: 'Exists' }, taint: taint('anything', 'NoExecute'), want: true },
    { t: { key: 'other', operator: 'Exists' }, taint: taint('k', 'NoSchedule'), want: false },
  ])('$t vs $taint → $want', ({ t, taint: tt, want }) => {
    expect(tolerates(t, tt)).toBe(want);
  });
});

describe('podFitsNode', () => {
  it.each([
    { name: 'no constraints', p: pod(), n: node({}), want: true },
    { name: 'nodeSelector matches', p: pod({ disk: 'ssd' }), n: node({ disk: 'ssd', x: 'y' }), want: true },
    { name: 'nodeSelector misses', p: pod({ disk: 'ssd' }), n: node({ disk: 'hdd' }), want: false },
    { name: 'untolerated NoSchedule taint', p: pod(), n: node({}, [taint('dedicated', 'NoSchedule')]), want: false },
    { name: 'tolerated taint', p: pod(undefined, [{ key: 'dedicated', operator: 'Exists' }]), n: node({}, [taint('dedicated', 'NoSchedule')]), want: true },
    { name: 'PreferNoSchedule does not filter', p: pod(), n: node({}, [taint('soft', 'PreferNoSchedule')]), want: true },
  ])('$name', ({ p, n, want }) => {
    expect(podFitsNode(p, n)).toBe(want);
  });

  it('pickNode skips nodes the pod does not fit', () => {
    const c = (name: string, fits: boolean) => ({ name, ready: true, lost: false, unschedulable: false, fits });
    expect(pickNode([c('a', false), c('b', true)], new Map([['b', 5]]))).toBe('b');
    expect(pickNode([c('a', false)], new Map())).toBeUndefined();
  });
});
