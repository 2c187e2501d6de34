/**
 * @module Durable storage for the embedded API server: an append-only write-ahead log, one JSON
 * line per write, fdatasync'ed before the API call returns (so nothing acknowledged is lost on
 * `kill -9`), periodically folded into a snapshot file. Start-up = snapshot + log replay.
 * A torn last line (crash mid-write) was never acknowledged and is dropped.
 * `append` only writes; `sync` makes everything appended so far durable, so the store can
 * group-commit the writes of one batch with one fdatasync (store.ts `batch`).
 */
import { closeSync, existsSync, fdatasyncSync, fsyncSync, fstatSync, openSync, readFileSync, renameSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from './errors.ts';
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
  /** Bytes of whole records written: a failed append is cut back to this. */
  private size: number;
  /** Bytes of whole records made durable by the last sync: a failed sync is cut back to this. */
  private syncedSize: number;
  /** A failed append or sync could not be cut back: nothing more is appended until it is. */
  private torn = false;

  /** fdatasync(2); a test passes one that fails, as a disk returning EIO does. */
  private readonly datasync: (fd: number) => void;

  constructor(dir: string, opts: { fdatasync?: (fd: number) => void } = {}) {
    this.dir = dir;
    this.datasync = opts.fdatasync ?? fdatasyncSync;
    this.fd = openSync(join(dir, 'wal.log'), 'a+');
    this.size = fstatSync(this.fd).size;
    this.syncedSize = this.size;
  }

  load(): { rv: number; items: WalRecord[] } {
    const snapPath = join(this.dir, 'snapshot.json');
    const snap: SnapshotFile = existsSync(snapPath) ? (JSON.parse(readFileSync(snapPath, 'utf8')) as SnapshotFile) : { rv: 0, items: [] };
    const items = [...snap.items];
    this.appended = 0;
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
    this.size = validBytes;
    this.syncedSize = validBytes;
    return { rv: snap.rv, items };
  }

  /**
   * Append one record, or throw 507 and leave the log as it was. A full disk (ENOSPC, EDQUOT)
   * can accept part of a line: left there, that torn line would hide every later record from
   * `load()`, losing acknowledged writes. So the log is cut back to its last whole record.
   */
  append(rec: WalRecord): void {
    const buf = Buffer.from(JSON.stringify(rec) + '\n');
    try {
      if (this.torn) { ftruncateSync(this.fd, this.size); this.torn = false; }
      // writeSync may write less than asked (a nearly full disk): finish the line or fail.
      for (let off = 0; off < buf.length;) off += writeSync(this.fd, buf, off, buf.length - off);
    } catch (err) {
      try { ftruncateSync(this.fd, this.size); } catch { this.torn = true; }
      throw storageError(err);
    }
    this.size += buf.length;
    this.appended++;
  }

  sync(): void {
    if (this.size === this.syncedSize) return; // nothing appended since the last sync
    try {
      this.datasync(this.fd);
    } catch (err) {
      // Nothing of this batch is acknowledged: cut it off, so that a restart cannot bring back
      // writes whose callers were told they failed.
      this.size = this.syncedSize;
      try { ftruncateSync(this.fd, this.size); } catch { this.torn = true; }
      throw storageError(err);
    }
    this.syncedSize = this.size;
  }

  wantsSnapshot(): boolean {
    return this.appended >= SNAPSHOT_EVERY;
  }

  /** Write the snapshot atomically (tmp + fsync + rename + dir fsync), then empty the log. */
  snapshot(rv: number, items: WalRecord[]): void {
    const tmp = join(this.dir, 'snapshot.json.tmp');
    try {
      const fd = openSync(tmp, 'w');
      try {
        const buf = Buffer.from(JSON.stringify({ rv, items } satisfies SnapshotFile));
        for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      // The log still holds every record, so a snapshot that does not fit is only postponed.
      rmSync(tmp, { force: true });
      this.appended = 0;
      throw storageError(err);
    }
    renameSync(tmp, join(this.dir, 'snapshot.json'));
    const dfd = openSync(this.dir, 'r');
    fsyncSync(dfd);
    closeSync(dfd);
    ftruncateSync(this.fd, 0);
    fsyncSync(this.fd);
    this.size = 0;
    this.syncedSize = 0;
    this.appended = 0;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** A write the disk refused: 507 Insufficient Storage (RFC 4918 §11.5) when it is out of space, else 500. */
function storageError(err: unknown): ApiError {
  const code = (err as NodeJS.ErrnoException).code;
  const full = code === 'ENOSPC' || code === 'EDQUOT';
  return new ApiError(full ? 507 : 500, full ? 'InsufficientStorage' : 'InternalError',
    `storage write failed: ${(err as Error).message}`, full ? { retryAfterSeconds: 1 } : undefined);
}
