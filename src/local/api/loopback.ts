/**
 * @module The embedded API's second listener, for clients in its own process: plain HTTP on a
 * Unix socket in a directory of mode 0700 (see src/kube/loopback.ts for why). It serves the
 * same handlers, with the same token check, as the TLS listener.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Loopback {
  socketPath: string;
  close(): Promise<void>;
}

/** sun_path holds 108 bytes on Linux and 104 on macOS, with the terminating NUL. */
const MAX_SOCKET_PATH = 100;

/**
 * Where the socket goes: `<dataDir>/loopback/api.sock` with a data dir (the data-dir lock makes
 * it ours, so a socket left by a killed process is reused, not leaked), else, or when that path
 * is too long for a socket, a fresh `<tmpdir>/ordinal-loopback-XXXXXX/`. Both directories are
 * made 0700. `remove` is what close() deletes.
 */
function place(dataDir: string | undefined): { socketPath: string; remove: string } | undefined {
  try {
    if (dataDir && join(dataDir, 'loopback', 'api.sock').length <= MAX_SOCKET_PATH) {
      const dir = join(dataDir, 'loopback');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      const socketPath = join(dir, 'api.sock');
      rmSync(socketPath, { force: true });
      return { socketPath, remove: socketPath };
    }
    const dir = mkdtempSync(join(tmpdir(), 'ordinal-loopback-')); // mode 0700
    const socketPath = join(dir, 'api.sock');
    if (socketPath.length <= MAX_SOCKET_PATH) return { socketPath, remove: dir };
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * Listen on the loopback socket. Resolves undefined (and the caller keeps using TLS) when no
 * socket can be made.
 */
export async function listenLoopback(
  onRequest: RequestListener, onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void, dataDir?: string,
): Promise<Loopback | undefined> {
  const where = place(dataDir);
  if (!where) return undefined;
  const server = createServer(onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_err, socket) => { socket.destroy(); });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(where.socketPath, () => { server.off('error', reject); resolve(); });
    });
  } catch {
    rmSync(where.remove, { recursive: true, force: true });
    return undefined;
  }
  return {
    socketPath: where.socketPath,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(where.remove, { recursive: true, force: true });
    },
  };
}
