import { fdatasyncSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store, type KObject } from '../../../src/local/api/store.ts';
import { FileWal, type Wal, type WalRecord } from '../../../src/local/api/wal.ts';

/** A log that records the order of appends, syncs and delivered events. */
function recordingWal(trace: string[]): Wal {
  return {
    load: () => ({ rv: 0, items: [] as WalRecord[] }),
    append: (rec) => { trace.push(`append ${rec.k}`); },
    sync: () => { trace.push('sync'); },
    wantsSnapshot: () => false,
    snapshot: () => {},
    close: () => {},
  };
}

const obj = (name: string): KObject => ({ metadata: { name, namespace: 'ns' } });

describe('group commit', () => {
  it('syncs each write on its own outside a batch, before its event is delivered', () => {
    const trace: string[] = [];
    const store = new Store({ wal: recordingWal(trace) });
    store.subscribe((ev) => trace.push(`event ${ev.object.metadata.name}`));
    store.put('pods', obj('a'));
    store.put('pods', obj('b'));
    expect(trace).toEqual(['append ns/a', 'sync', 'event a', 'append ns/b', 'sync', 'event b']);
  });

  it('syncs a batch once and delivers its events after the sync, in order', () => {
    const trace: string[] = [];
    const store = new Store({ wal: recordingWal(trace) });
    store.subscribe((ev) => trace.push(`event ${ev.type} ${ev.object.metadata.name}`));
    store.batch(() => {
      store.put('pods', obj('a'));
      store.batch(() => store.put('pods', obj('b'))); // nested: still one commit
      store.remove('pods', 'ns', 'a');
    });
    expect(trace).toEqual(['append ns/a', 'append ns/b', 'append ns/a', 'sync', 'event ADDED a', 'event ADDED b', 'event DELETED a']);
  });

  it('runs writes queued in one turn of the event loop as one batch, each settling with its own result', async () => {
    const trace: string[] = [];
    const store = new Store({ wal: recordingWal(trace) });
    const writes = [
      store.grouped(() => store.put('pods', obj('a'))),
      store.grouped(() => { throw new Error('rejected by validation'); }),
      store.grouped(() => store.put('pods', obj('b'))),
    ];
    expect(trace).toEqual([]); // nothing written before the commit runs
    const results = await Promise.allSettled(writes);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseFulfilledResult<KObject>).value.metadata.resourceVersion).toBe('2');
    expect(trace).toEqual(['append ns/a', 'append ns/b', 'sync']);
  });

  it('acknowledges nothing of a batch whose sync fails', async () => {
    const wal = { ...recordingWal([]), sync: () => { throw new Error('EIO'); } };
    const store = new Store({ wal });
    const results = await Promise.allSettled([store.grouped(() => store.put('pods', obj('a'))), store.grouped(() => store.put('pods', obj('b')))]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual(['EIO', 'EIO']);
  });

  it('after a failed sync, memory and the log hold only what was acknowledged, and writing goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordinal-wal-'));
    try {
      let failSync = false;
      const wal = new FileWal(dir, {
        fdatasync: (fd) => {
          // As a disk that fails fdatasync with EIO: nothing of the batch is known to be durable.
          if (failSync) { failSync = false; throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }); }
          fdatasyncSync(fd);
        },
      });
      const store = new Store({ wal });
      const seen: string[] = [];
      store.subscribe((ev) => seen.push(`${ev.type} ${ev.object.metadata.name}`));
      await store.grouped(() => store.put('pods', obj('kept')));
      failSync = true;
      const refused = await Promise.allSettled([store.grouped(() => store.put('pods', obj('a'))), store.grouped(() => store.remove('pods', 'ns', 'kept'))]);
      expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect(store.list('pods').map((o) => o.metadata.name)).toEqual(['kept']);
      expect(store.currentRv()).toBe(1);
      await store.grouped(() => store.put('pods', obj('b')));
      expect(seen).toEqual(['ADDED kept', 'ADDED b']);
      wal.close();
      // What a restart reads back: the acknowledged writes, nothing that was refused.
      const again = new Store({ wal: new FileWal(dir) });
      expect(again.list('pods').map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)).toEqual(['b@2', 'kept@1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a log runs the write at once', async () => {
    const store = new Store();
    const p = store.grouped(() => store.put('pods', obj('a')));
    expect(store.get('pods', 'ns', 'a')).toBeDefined();
    await expect(p).resolves.toMatchObject({ metadata: { resourceVersion: '1' } });
  });
});
