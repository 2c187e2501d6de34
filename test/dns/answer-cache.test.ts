import { describe, expect, it } from 'vitest';
import { AnswerCache, type CachedAnswer } from '../../src/dns/answer-cache.ts';
import { scanQuery } from '../../src/dns/wire.ts';
import { buildQuery } from '../helpers/dns-client.ts';

/** A cache entry for a query built by buildQuery, as the handler would store it. */
function entryFor(msg: Buffer, variant: number, bytes = 40): CachedAnswer {
  const nameEnd = scanQuery(msg)!.nameEnd;
  const key = Buffer.from(msg.subarray(12, nameEnd + 4));
  for (let i = 0; i < nameEnd - 12; i++) if (key[i]! >= 0x41 && key[i]! <= 0x5a) key[i]! |= 0x20;
  return { key, variant, buf: Buffer.alloc(bytes, variant) };
}

describe('AnswerCache', () => {
  const a = buildQuery('web-0.web.default.svc.cluster.local', 1);
  const b = buildQuery('web-1.web.default.svc.cluster.local', 1);
  const end = (m: Buffer) => scanQuery(m)!.nameEnd;

  it('finds by hash, verifies the bytes case-insensitively, and checks the variant', () => {
    const c = new AnswerCache(10, 1 << 20);
    const e = entryFor(a, 5);
    c.add(scanQuery(a)!.hash, e);
    const upper = buildQuery('WEB-0.Web.default.svc.cluster.local', 1);
    expect(c.find(scanQuery(upper)!.hash, 5, upper, end(upper))).toBe(e);
    expect(c.find(scanQuery(a)!.hash, 6, a, end(a))).toBeUndefined();
    const aaaa = buildQuery('web-0.web.default.svc.cluster.local', 28);
    expect(c.find(scanQuery(a)!.hash, 5, aaaa, end(aaaa))).toBeUndefined();
  });

  it('a hash collision is a miss, and the newer entry replaces the older', () => {
    const c = new AnswerCache(10, 1 << 20);
    c.add(7, entryFor(a, 1));
    expect(c.find(7, 1, b, end(b))).toBeUndefined(); // same slot, other name
    const eb = entryFor(b, 1);
    c.add(7, eb);
    expect(c.size).toBe(1);
    expect(c.find(7, 1, b, end(b))).toBe(eb);
    expect(c.find(7, 1, a, end(a))).toBeUndefined();
  });

  it.each([
    { name: 'entry count', max: 3, bytes: 1 << 20, size: 40, keep: 3 },
    { name: 'bytes', max: 100, bytes: 100, size: 40, keep: 2 },
    { name: 'an entry larger than the byte cap is not stored', max: 100, bytes: 30, size: 40, keep: 0 },
  ])('evicts the least recently used first, bounded by $name', ({ max, bytes, size, keep }) => {
    const c = new AnswerCache(max, bytes);
    for (let h = 1; h <= 5; h++) c.add(h, entryFor(a, h, size));
    expect(c.size).toBe(keep);
    for (let h = 1; h <= 5; h++) expect(c.find(h, h, a, end(a)) !== undefined).toBe(h > 5 - keep);
  });

  it('reset empties the cache only when the version moves', () => {
    const c = new AnswerCache(10, 1 << 20);
    c.reset(1);
    c.add(1, entryFor(a, 1));
    c.reset(1);
    expect(c.size).toBe(1);
    c.reset(2);
    expect(c.size).toBe(0);
  });
});
