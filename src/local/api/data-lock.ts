/**
 * @module One process per data dir. Two `ordinal local` on the same directory would both append
 * to its write-ahead log and each replay only its own writes: state lost, silently. etcd refuses
 * a data dir another member holds (a file lock); so does this, with `<dataDir>/lock` naming the
 * holder's pid and start time. A holder that is gone (kill -9, a reboot) leaves a stale lock,
 * which the next start takes over; the start time tells a reused pid from the holder.
 *
 * Taking the lock is a link(2) of a file of our own onto the lock's name, which fails if the name
 * exists; a stale lock is first renamed away, which only one contender can do.
 */
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Holder { pid: number; start: string }

export interface DataLock {
  readonly path: string;
  release(): void;
}

/** A process's start time in clock ticks since boot (/proc/PID/stat field 22), or '' where unknown. */
export function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** Is `h` still running? Where /proc is missing, a live pid is taken as the holder. */
export function alive(h: Holder): boolean {
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTime(h.pid);
  return now === '' || h.start === '' || now === h.start;
}

function readHolder(path: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' ? { pid: h.pid, start: String(h.start ?? '') } : undefined;
  } catch {
    return undefined; // gone, or torn by a crash mid-write: stale either way
  }
}

export class DataDirInUse extends Error {
  readonly holder: Holder;
  constructor(dir: string, holder: Holder) {
    super(`data dir ${dir} is in use by another ordinal (pid ${holder.pid}); stop it, or give this one its own --data-dir`);
    this.holder = holder;
  }
}

/** Take `<dir>/lock` for this process, or throw DataDirInUse naming the live holder. */
export function lockDataDir(dir: string): DataLock {
  const path = join(dir, 'lock');
  const me: Holder = { pid: process.pid, start: startTime(process.pid) };
  const mine = join(dir, `lock.${process.pid}`);
  writeFileSync(mine, JSON.stringify(me) + '\n');
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(mine, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw err;
      }
      const holder = readHolder(path);
      // Our own pid with our start time is this very process: a second store on the same dir is refused too.
      if (holder && alive(holder)) throw new DataDirInUse(dir, holder);
      const stale = `${path}.stale.${process.pid}`;
      try {
        renameSync(path, stale);
        rmSync(stale, { force: true });
      } catch {
        // Another contender moved it first; try again.
      }
    }
  } finally {
    rmSync(mine, { force: true });
  }
  return {
    path,
    release: () => {
      if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
    },
  };
}
