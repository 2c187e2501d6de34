/**
 * @module Durable storage for the embedded API server: an append-only write-ahead log, one JSON
 * line per write, fdatasync'ed before the API call returns (so nothing acknowledged is lost on
 * `kill -9`), periodically folded into a snapshot file. Start-up = snapshot + log replay.
 * A torn last line (crash mid-write) was never acknowledged and is dropped.
 * `append` only writes; `sync` makes everything appended so far durable, so the store can
 * group-commit the writes of one batch with one fdatasync (store.ts `batch`).
 */
import { closeSync, existsSync, fdatasyncSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import type { KObject } from './store.ts';

export interface WalRecord {
  t: 'put' | 'del';
  /** Resource id. */
  r: string;
  /** Key inside the resource: `ns/name` or `name`. */
  k: string;
  o?: KObject;
  /** The resourceVersion this write produced. */
  v: number;
}

export interface Wal {
  load(): { rv: number; items: WalRecord[] };
  /** Write the record; it is durable only after the next `sync`. */
  append(rec: WalRecord): void;
  /** fdatasync whatever was appended since the last sync. */
  sync(): void;
  wantsSnapshot(): boolean;
  snapshot(rv: number, items: WalRecord[]): void;
  close(): void;
}

interface SnapshotFile { rv: number; items: WalRecord[] }

/** Appends since the last snapshot before the next snapshot is written. */
const SNAPSHOT_EVERY = 2000;

export class FileWal implements Wal {
  private readonly dir: string;
  private fd: number;
  private appended = 0;
  private unsynced = false;

  constructor(dir: string) {
    this.dir = dir;
    this.fd = openSync(join(dir, 'wal.log'), 'a+');
  }

  load(): { rv: number; items: WalRecord[] } {
    const snapPath = join(this.dir, 'snapshot.json');
    const snap: SnapshotFile = existsSync(snapPath) ? (JSON.parse(readFileSync(snapPath, 'utf8')) as SnapshotFile) : { rv: 0, items: [] };
    const items = [...snap.items];
    const text = readFileSync(join(this.dir, 'wal.log'), 'utf8');
    const lines = text.split('\n');
    let validBytes = 0;
    for (const line of lines) {
      if (line === '') continue;
      let rec: WalRecord;
      try {
        rec = JSON.parse(line) as WalRecord;
      } catch {
        break; // torn tail: everything after it was never acknowledged
      }
      validBytes += Buffer.byteLength(line) + 1;
      // Records already folded into the snapshot (crash between snapshot and truncate) are skipped.
      if (rec.v > snap.rv) items.push(rec);
      this.appended++;
    }
    if (validBytes < Buffer.byteLength(text)) ftruncateSync(this.fd, validBytes);
    return { rv: snap.rv, items };
  }

  append(rec: WalRecord): void {
    writeSync(this.fd, JSON.stringify(rec) + '\n');
    this.unsynced = true;
    this.appended++;
  }

  sync(): void {
    if (!this.unsynced) return;
    fdatasyncSync(this.fd);
    this.unsynced = false;
  }

  wantsSnapshot(): boolean {
    return this.appended >= SNAPSHOT_EVERY;
  }

  /** Write the snapshot atomically (tmp + fsync + rename + dir fsync), then empty the log. */
  snapshot(rv: number, items: WalRecord[]): void {
    const tmp = join(this.dir, 'snapshot.json.tmp');
    const fd = openSync(tmp, 'w');
    writeSync(fd, JSON.stringify({ rv, items } satisfies SnapshotFile));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.dir, 'snapshot.json'));
    const dfd = openSync(this.dir, 'r');
    fsyncSync(dfd);
    closeSync(dfd);
    ftruncateSync(this.fd, 0);
    fsyncSync(this.fd);
    this.appended = 0;
    this.unsynced = false;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
