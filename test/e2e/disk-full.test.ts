/**
 * Disk full under the embedded API's write-ahead log (issue #14's soak fault, as a regression
 * test): on a tiny tmpfs every write is either acknowledged and survives a restart, or refused
 * with 507 and leaves nothing behind. Needs root for `mount -t tmpfs` (CI runs as root).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/local/api/errors.ts';
import { Store } from '../../src/local/api/store.ts';
import { FileWal } from '../../src/local/api/wal.ts';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ordinal-diskfull-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
});
afterAll(() => {
  execFileSync('umount', ['-l', dir]);
  rmSync(dir, { recursive: true, force: true });
});

function cm(i: number, pad: number): { metadata: { name: string; namespace: string }; data: { v: string } } {
  return { metadata: { name: `cm-${i}`, namespace: 'default' }, data: { v: 'x'.repeat(pad) } };
}

describe('FileWal on a full disk', () => {
  it('refuses with 507, keeps every acknowledged write, and accepts writes again once space is back', () => {
    const store = new Store({ wal: new FileWal(dir) });
    const acked = new Map<string, string>();
    let refused: unknown;
    // Odd sizes so the last write lands part-way through a line.
    for (let i = 0; i < 10_000 && !refused; i++) {
      try {
        const o = store.put('configmaps', cm(i, 300 + (i * 37) % 500));
        acked.set(o.metadata.name!, o.metadata.resourceVersion!);
      } catch (err) { refused = err; }
    }
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe(507);
    // More refusals while full leave the log whole too.
    for (let i = 0; i < 5; i++) expect(() => store.put('configmaps', cm(90_000 + i, 1000))).toThrow(ApiError);
    store.close();

    const again = new Store({ wal: new FileWal(dir) });
    for (const [name, rv] of acked) expect(again.get('configmaps', 'default', name)?.metadata.resourceVersion).toBe(rv);
    expect(again.list('configmaps')).toHaveLength(acked.size);
    // Space back (one object deleted frees its record's worth only after a snapshot; small writes fit).
    execFileSync('mount', ['-o', 'remount,size=256k', 'tmpfs', dir]);
    const o = again.put('configmaps', cm(99_999, 10));
    again.close();
    const third = new Store({ wal: new FileWal(dir) });
    expect(third.get('configmaps', 'default', 'cm-99999')?.metadata.resourceVersion).toBe(o.metadata.resourceVersion);
    expect(third.list('configmaps')).toHaveLength(acked.size + 1);
    third.close();
  });
});
