/**
 * @module Garbage: a seeded stream of malformed DNS messages over UDP and TCP. Mutated valid
 * queries (bit flips, byte splices, truncation), truncated headers, compression pointer loops,
 * huge section counts, and on TCP wrong length prefixes and many messages per write.
 * The server must answer or drop each one and keep serving; the sampler checks that it does.
 */
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { encodeQuery, TYPE } from './dnswire.ts';
import type { Rng } from './rng.ts';

const NAMES = ['big0.soak.svc.cluster.local', 'web-0.web.soak.svc.cluster.local', 'cluster.local', '1.0.244.10.in-addr.arpa'];

export function garbage(rng: Rng): Buffer {
  const base = encodeQuery(rng.int(0, 65536), rng.pick(NAMES), rng.pick([TYPE.A, TYPE.SRV, TYPE.PTR, TYPE.AXFR, TYPE.IXFR, 255, rng.int(0, 65536)]));
  const kind = rng.int(0, 6);
  if (kind === 0) { // bit flips
    const b = Buffer.from(base);
    for (let i = rng.int(1, 6); i > 0; i--) b[rng.int(0, b.length)]! ^= 1 << rng.int(0, 8);
    return b;
  }
  if (kind === 1) return base.subarray(0, rng.int(0, 12)); // truncated header
  if (kind === 2) return base.subarray(0, rng.int(12, base.length)); // truncated question
  if (kind === 3) { // compression loop: the question name points at itself, or two pointers at each other
    const h = Buffer.from(base.subarray(0, 12));
    const loop = rng.chance(0.5) ? Buffer.from([0xc0, 12]) : Buffer.from([0xc0, 14, 0xc0, 12]);
    return Buffer.concat([h, loop, Buffer.from([0, 1, 0, 1])]);
  }
  if (kind === 4) { // huge counts
    const b = Buffer.from(base);
    for (const off of [4, 6, 8, 10]) if (rng.chance(0.6)) b.writeUInt16BE(rng.chance(0.5) ? 0xffff : rng.int(2, 65536), off);
    return b;
  }
  // random bytes, sometimes behind a valid header
  const tail = Buffer.alloc(rng.int(0, 600));
  for (let i = 0; i < tail.length; i++) tail[i] = rng.int(0, 256);
  return rng.chance(0.5) ? Buffer.concat([base.subarray(0, 12), tail]) : tail;
}

export interface FuzzStats { udp: number; tcp: number; tcpConns: number; replies: number }

/** Send `rate` packets/s until stop(): 80% UDP, 20% on short-lived TCP connections. */
export function startFuzz(port: number, rate: number, rng: Rng): { stats: FuzzStats; stop(): Promise<void> } {
  const stats: FuzzStats = { udp: 0, tcp: 0, tcpConns: 0, replies: 0 };
  const udp = createSocket('udp4');
  udp.on('message', () => { stats.replies++; });
  udp.on('error', () => undefined);
  let tcp: Socket | undefined;
  let tcpLeft = 0;
  const tick = 50;
  const t0 = Date.now();
  const timer = setInterval(() => {
    // Catch up to rate × elapsed, so a busy event loop does not thin the stream.
    const n = Math.min(5000, Math.round((rate * (Date.now() - t0)) / 1000) - stats.udp - stats.tcp);
    for (let i = 0; i < n; i++) {
      const pkt = garbage(rng);
      if (rng.chance(0.8)) { udp.send(pkt, port, '127.0.0.1'); stats.udp++; continue; }
      if (!tcp || tcpLeft <= 0 || tcp.destroyed) {
        tcp?.destroy();
        tcp = connect({ host: '127.0.0.1', port });
        tcp.on('error', () => undefined);
        tcp.on('data', () => { stats.replies++; });
        tcpLeft = rng.int(1, 200);
        stats.tcpConns++;
      }
      const len = Buffer.alloc(2);
      // Mostly the right length; sometimes a lie, which desynchronises the rest of the stream.
      len.writeUInt16BE(rng.chance(0.9) ? pkt.length : rng.int(0, 65536));
      tcp.write(Buffer.concat([len, pkt]));
      stats.tcp++;
      tcpLeft--;
    }
  }, tick);
  return {
    stats,
    stop: async () => { clearInterval(timer); tcp?.destroy(); await new Promise<void>((r) => udp.close(() => r())); },
  };
}
