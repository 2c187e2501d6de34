// RFC 1982 serial arithmetic and the sealing rule (zone/serial.ts), and the IXFR journal.
import { describe, expect, it } from 'vitest';
import { msToNextSecond, nextSerial, serialNewer } from '../../src/zone/serial.ts';
import { Journal } from '../../src/zone/transfer.ts';
import { ClusterModel } from '../../src/zone/model.ts';
import { config, NOW } from './cluster.ts';
import { namespace } from './fixtures.ts';

describe('serialNewer (RFC 1982 §3.2)', () => {
  it.each([
    { a: 1, b: 2, want: true },
    { a: 2, b: 1, want: false },
    { a: 5, b: 5, want: false },
    { a: 0xffffffff, b: 0, want: true }, // wraps
    { a: 0xfffffff0, b: 0x10, want: true },
    { a: 0x10, b: 0xfffffff0, want: false },
    { a: 0, b: 0x7fffffff, want: true }, // the largest step forward
    { a: 0, b: 0x80000000, want: false }, // exactly 2^31 apart: undefined, never "newer"
    { a: 0x80000000, b: 0, want: false },
    { a: 1_796_000_000, b: 1_796_000_001, want: true },
  ])('$a -> $b: $want', ({ a, b, want }) => {
    expect(serialNewer(a, b)).toBe(want);
  });
});

describe('nextSerial: the unix second, or prev + 1 when the clock is not ahead', () => {
  it.each([
    { name: 'clock ahead', prev: 1_000_000_000, now: 1_000_000_005_500, want: 1_000_000_005 },
    { name: 'same second', prev: 1_000_000_005, now: 1_000_000_005_900, want: 1_000_000_006 },
    { name: 'clock stepped back', prev: 1_000_000_100, now: 1_000_000_000_000, want: 1_000_000_101 },
    { name: 'the clock past 2^32 is still newer', prev: 0xffffffff, now: 1_000, want: 1 },
    { name: 'prev + 1 wraps to 0', prev: 0xffffffff, now: 0xfffffff0 * 1000, want: 0 },
  ])('$name', ({ prev, now, want }) => {
    expect(nextSerial(prev, now)).toBe(want);
  });

  it('msToNextSecond lands just inside the next second', () => {
    expect([msToNextSecond(1000), msToNextSecond(1999), msToNextSecond(1500)]).toEqual([1001, 2, 501]);
  });
});

describe('sealing across a restart and between replicas', () => {
  it('a restarted model seals above every serial of the old one, even within the same second', () => {
    const clock = { ms: NOW + 400 };
    const start = (): ClusterModel => {
      const m = new ClusterModel(config(), { now: () => clock.ms });
      m.apply(namespace('a'));
      m.markSynced();
      m.snapshot();
      return m;
    };
    const old = start();
    clock.ms = NOW + 1001; // its sealer fires at the next second boundary
    const last = old.seal().serial;
    expect(last).toBe(NOW / 1000 + 1);
    clock.ms = NOW + 1300; // stopped, and restarted within the same second
    const fresh = start();
    expect(fresh.snapshot().serial).toBe(last); // open: the content is not served by transfers yet
    clock.ms = NOW + 2001;
    expect(serialNewer(last, fresh.seal().serial)).toBe(true);
  });

  it('two replicas that saw the same change in the same second seal the same serial', () => {
    const seal = (offset: number): number => {
      const clock = { ms: NOW + offset };
      const m = new ClusterModel(config(), { now: () => clock.ms });
      m.apply(namespace('a'));
      m.markSynced();
      m.snapshot();
      clock.ms = NOW + 1001;
      return m.seal().serial;
    };
    expect(seal(100)).toBe(seal(700));
  });
});

describe('Journal', () => {
  it('keeps the last N sealed, synced snapshots, keyed by serial', () => {
    const clock = { ms: NOW };
    const m = new ClusterModel(config(), { now: () => clock.ms });
    const j = new Journal(3);
    expect(j.add(m.snapshot())).toBe(false); // not synced, not sealed
    m.markSynced();
    m.snapshot();
    const serials: number[] = [];
    for (let i = 0; i < 5; i++) {
      m.apply(namespace(`ns-${i}`));
      expect(j.add(m.snapshot())).toBe(false); // open: its serial is not its own yet
      clock.ms += 1000;
      const s = m.seal();
      expect(j.add(s)).toBe(true);
      expect(j.add(s)).toBe(false); // the same serial again
      serials.push(s.serial);
    }
    expect(j.size).toBe(3);
    expect(j.find(serials[0]!)).toBeUndefined();
    expect(j.find(serials[4]!)?.serial).toBe(serials[4]);
    expect(j.latest()?.serial).toBe(serials[4]);
  });
});
