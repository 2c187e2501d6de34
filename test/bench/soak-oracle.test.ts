import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ClusterView } from '../../bench/soak/expect.ts';
import { Oracle } from '../../bench/soak/oracle.ts';

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
