import { describe, expect, it } from 'vitest';
import { decideLease, type Lease } from '../../src/controller/leader.ts';

const NOW = Date.parse('2026-01-01T00:00:30Z');
const lease = (holder: string, renewedAgoS: number, duration = 15, transitions = 3): Lease => ({
  metadata: { name: 'l', namespace: 'kube-system', resourceVersion: '7' },
  spec: { holderIdentity: holder, leaseDurationSeconds: duration, renewTime: new Date(NOW - renewedAgoS * 1000).toISOString(), leaseTransitions: transitions },
});

describe('decideLease', () => {
  it.each<[string, Lease | undefined, string, number | undefined]>([
    ['no lease ⇒ create', undefined, 'create', 0],
    ['mine ⇒ renew, no transition', lease('me', 5), 'update', 3],
    ['mine even if expired ⇒ renew', lease('me', 60), 'update', 3],
    ['other, fresh ⇒ wait', lease('other', 5), 'wait', undefined],
    ['other, just under duration ⇒ wait', lease('other', 14), 'wait', undefined],
    ['other, expired ⇒ take over', lease('other', 16), 'update', 4],
    ['released (empty holder) ⇒ take', lease('', 1), 'update', 4],
    ['other with short duration expired ⇒ take', lease('other', 2, 1), 'update', 4],
  ])('%s', (_n, l, kind, transitions) => {
    const d = decideLease(l, 'me', NOW);
    expect(d.kind).toBe(kind);
    if (d.kind !== 'wait') {
      expect(d.spec.holderIdentity).toBe('me');
      expect(d.spec.leaseTransitions).toBe(transitions);
      expect(Date.parse(d.spec.renewTime ?? '')).toBe(NOW);
    }
  });
});
