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

  it('without a scope test, advance empties the cache only when the snapshot changes', () => {
    const c = new AnswerCache<object>(10, 1 << 20);
    const s1 = {};
    c.advance(s1);
    c.add(1, entryFor(a, 1));
    c.advance(s1);
    expect(c.size).toBe(1);
    c.advance({});
    expect(c.size).toBe(0);
  });

  // Entries by scope: "default/web" and "apps/db" are services; null is the whole zone.
  const scoped = (scope: string | null): CachedAnswer => ({ ...entryFor(a, 1), scope });
  it.each([
    { name: 'nothing changed', changed: [], keep: [1, 2, 3] },
    { name: 'one service changed', changed: ['default/web'], keep: [2] },
    { name: 'both services changed', changed: ['default/web', 'apps/db'], keep: [] },
  ])('advance keeps the entries whose scope is unchanged, never the global ones: $name', ({ changed, keep }) => {
    const c = new AnswerCache<string>(10, 1 << 20);
    c.advance('v1');
    c.add(1, scoped('default/web'));
    c.add(2, scoped('apps/db'));
    c.add(3, scoped('default/web'));
    c.add(4, scoped(null));
    const asked: string[] = [];
    c.advance('v2', (prev, next, scope) => {
      asked.push(`${prev}>${next}:${scope}`);
      return !changed.includes(scope);
    });
    // One test per distinct scope, not per entry.
    expect(asked.sort()).toEqual(['v1>v2:apps/db', 'v1>v2:default/web']);
    expect([1, 2, 3, 4].filter((h) => c.find(h, 1, a, end(a)) !== undefined)).toEqual(keep);
    expect(c.size).toBe(keep.length);
  });

  it('the scope index follows replacements and evictions', () => {
    const c = new AnswerCache<string>(2, 1 << 20);
    c.advance('v1');
    c.add(1, scoped('default/web'));
    c.add(1, scoped('apps/db')); // same slot, another scope: only apps/db is left
    c.add(2, scoped('default/web'));
    c.add(3, scoped('default/web')); // evicts slot 1, the least recently used
    const asked: string[] = [];
    c.advance('v2', (_p, _n, scope) => { asked.push(scope); return scope === 'default/web'; });
    expect(asked).toEqual(['default/web']);
    expect(c.size).toBe(2);
    c.advance('v3', () => false);
    expect(c.size).toBe(0);
    c.add(4, scoped('default/web'));
    c.advance('v4', () => true);
    expect(c.size).toBe(1);
  });
});
