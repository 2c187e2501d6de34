/**
 * @module A simulated container's view of files: its volume mounts are real directories on
 * this machine (under the data dir), and everything else lands in the container's own
 * writable layer, a directory that goes away with the pod. Paths are resolved purely, the
 * longest mount path first, and can never step outside the directory they resolve into.
 */
import { posix, join } from 'node:path';

export interface Mount {
  /** Absolute path inside the container, e.g. `/var/data`. */
  readonly mountPath: string;
  /** The directory on this machine. */
  readonly hostDir: string;
  readonly readOnly: boolean;
}

export interface ContainerFs {
  readonly mounts: readonly Mount[];
  /** The container's writable layer on this machine. */
  readonly rootDir: string;
}

export interface Resolved {
  readonly hostPath: string;
  readonly readOnly: boolean;
}

/**
 * Where a container path lives on this machine. `cwd` resolves relative paths (default `/`).
 * `..` is resolved inside the container's namespace first, so `/var/data/../../etc` is the
 * container's `/etc`, in its writable layer, as a chroot would have it.
 */
export function resolvePath(fs: ContainerFs, path: string, cwd = '/'): Resolved {
  const abs = posix.resolve(cwd, path);
  let best: Mount | undefined;
  for (const m of fs.mounts) {
    const mp = posix.resolve('/', m.mountPath);
    const inside = abs === mp || abs.startsWith(mp === '/' ? '/' : `${mp}/`);
    if (inside && (!best || mp.length > posix.resolve('/', best.mountPath).length)) best = m;
  }
  if (!best) return { hostPath: abs === '/' ? fs.rootDir : join(fs.rootDir, abs), readOnly: false };
  const rest = abs.slice(posix.resolve('/', best.mountPath).length);
  return { hostPath: rest ? join(best.hostDir, rest) : best.hostDir, readOnly: best.readOnly };
}
