/**
 * @module The UDP listener: a thin shell around the synchronous handler.
 */
import dgram from 'node:dgram';
import type { Logger } from '../log.ts';
import type { Handler } from './handler.ts';

/** 4 MiB: with the default ~208 KiB buffer a 10 ms event-loop stall dropped queries at 20k/s. */
export const RECV_BUFFER = 4 * 1024 * 1024;

export interface UdpListener {
  readonly port: number;
  close(): Promise<void>;
}

/** The address is always an IP literal, so `send()` need not go through dns.lookup(). */
function literalLookup(host: string, _opts: unknown, cb: (err: Error | null, address: string, family: number) => void): void {
  cb(null, host, host.includes(':') ? 6 : 4);
}

export function listenUdp(host: string, port: number, family: 4 | 6, handler: Handler, log: Logger, reusePort: boolean): Promise<UdpListener> {
  const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', reusePort, lookup: literalLookup });
  socket.on('message', (msg, rinfo) => {
    // RFC 768: source port 0 = no reply expected. dgram's send() would throw ERR_SOCKET_BAD_PORT
    // from inside this listener, which is an uncaught exception: one spoofed datagram would
    // stop the server.
    if (rinfo.port === 0) return;
    let reply: Buffer | null;
    try {
      reply = handler.lease(msg);
    } catch (err) {
      // The handler is meant never to throw; if it does, drop this packet and keep serving.
      log.error({ err }, 'udp handler threw');
      return;
    }
    if (reply === null) return;
    // No per-send callback: a synchronous send would still schedule one with nextTick.
    // Send errors surface as the socket's 'error' event, logged below.
    socket.send(reply, rinfo.port, rinfo.address);
    // libuv sends at once when its queue is empty (uv_udp_try_send). If the datagram was
    // queued instead, the kernel has not copied the leased bytes yet: keep them as they are.
    if (socket.getSendQueueCount() > 0) handler.keep();
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', reject);
      socket.on('error', (err) => log.warn({ err }, 'udp socket error'));
      try {
        socket.setRecvBufferSize(RECV_BUFFER);
      } catch (err) {
        log.warn({ err }, 'could not raise the udp receive buffer');
      }
      resolve({
        port: socket.address().port,
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
