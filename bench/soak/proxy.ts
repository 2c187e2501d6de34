/**
 * @module A TCP relay between the second DNS replica and the API, so the soak can cut its
 * watches in the middle of a stream (every open connection destroyed at once, as a load
 * balancer or a network partition would) while the API itself stays up.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface Relay { port: number; cut(): number; close(): Promise<void> }

export async function startRelay(targetPort: number): Promise<Relay> {
  const open = new Set<Socket>();
  const server: Server = createServer((down) => {
    const up = createConnection({ host: '127.0.0.1', port: targetPort });
    open.add(down);
    open.add(up);
    const end = (): void => { down.destroy(); up.destroy(); open.delete(down); open.delete(up); };
    down.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    cut: () => {
      const n = open.size;
      for (const s of open) s.destroy();
      open.clear();
      return n;
    },
    close: () => new Promise((r) => { for (const s of open) s.destroy(); server.close(() => r()); }),
  };
}
