/**
 * @module The embedded API's second listener, for clients in its own process: plain HTTP on a
 * Unix socket in a fresh directory of mode 0700 (see src/kube/loopback.ts for why). It serves
 * the same handlers, with the same token check, as the TLS listener.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Loopback {
  socketPath: string;
  close(): Promise<void>;
}

/**
 * Listen on `<tmpdir>/ordinal-loopback-XXXXXX/api.sock`. The temp dir, not the data dir: a socket
 * path must fit in sun_path (108 bytes on Linux, 104 on macOS), and a data dir may be deep.
 * Resolves undefined (and the caller keeps using TLS) when the socket cannot be made.
 */
export async function listenLoopback(
  onRequest: RequestListener, onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
): Promise<Loopback | undefined> {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'ordinal-loopback-')); // mode 0700
  } catch {
    return undefined;
  }
  const socketPath = join(dir, 'api.sock');
  const server = createServer(onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_err, socket) => { socket.destroy(); });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => { server.off('error', reject); resolve(); });
    });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    socketPath,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
