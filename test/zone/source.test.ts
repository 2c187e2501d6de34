/** ZoneSource implementations and model publishing. */
import { describe, expect, it } from 'vitest';
import { lookup } from '../../src/zone/lookup.ts';
import { publishModel, SnapshotSource, staticSource } from '../../src/zone/source.ts';
import { RRType, type ZoneSnapshot } from '../../src/zone/types.ts';
import { cluster } from './cluster.ts';
import { pod } from './fixtures.ts';

describe('SnapshotSource', () => {
  it('notifies listeners once per new version, and survives a throwing listener', () => {
    const src = new SnapshotSource({ version: 1 });
    const seen: number[] = [];
    src.onChange(() => { throw new Error('listener bug'); });
    src.onChange((s) => seen.push(s.version));
    src.publish({ version: 1 });
    src.publish({ version: 2 });
    src.publish({ version: 2 });
    src.publish({ version: 3 });
    expect(seen).toEqual([2, 3]);
    expect(src.current().version).toBe(3);
  });

  it('staticSource serves its snapshot', () => {
    const snap: ZoneSnapshot = { version: 7 };
    expect(staticSource(snap).current()).toBe(snap);
  });
});

describe('publishModel', () => {
  it('publishes immediately without a delay', () => {
    const m = cluster();
    const src = new SnapshotSource(m.snapshot());
    const pub = publishModel(m, src);
    m.apply(pod('default', 'kubia-2', { labels: { app: 'kubia' }, ips: ['10.244.1.12'], hostname: 'kubia-2', subdomain: 'kubia' }));
    pub.notify();
    expect(lookup(src.current(), 'kubia-2.kubia.default.svc.cluster.local', RRType.A, 1).answer).toHaveLength(1);
  });

  it('coalesces a burst into one publish after the delay', async () => {
    const m = cluster();
    const src = new SnapshotSource(m.snapshot());
    const versions: number[] = [];
    src.onChange((s) => versions.push(s.version));
    const pub = publishModel(m, src, 20);
    for (let i = 3; i < 13; i++) {
      m.apply(pod('default', `kubia-${i}`, { labels: { app: 'kubia' }, ips: [`10.244.1.${10 + i}`] }));
      pub.notify();
    }
    expect(versions).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(versions).toHaveLength(1);
    expect(lookup(src.current(), 'kubia.default.svc.cluster.local', RRType.A, 1).answer).toHaveLength(12);
    pub.stop();
  });
});
