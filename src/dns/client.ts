/**
 * @module A stub DNS client over dns2's codec: one question out, one reply back, over UDP or TCP
 * (RFC 1035 §4.2.2's two-byte length prefix), and rdata in presentation form. `ordinal query` and
 * the simulated pods' dig, host and nslookup share it; dns2 being independent of ordinal's own
 * wire code makes both a cross-check of the server.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { Packet, type Resource } from 'dns2';

const TIMEOUT_MS = 3000;

export function typeName(t: number): string {
  return Packet.TYPE_NAME[t] ?? `TYPE${t}`;
}

export function rdata(r: Resource): string {
  switch (r.type) {
    case Packet.TYPE.A: case Packet.TYPE.AAAA: return r.address ?? '';
    case Packet.TYPE.CNAME: case Packet.TYPE.PTR: case Packet.TYPE.NS: return `${r.domain ?? r.ns ?? ''}.`;
    case Packet.TYPE.SRV: return `${r.priority} ${r.weight} ${r.port} ${r.target}.`;
    case Packet.TYPE.MX: return `${r.priority} ${r.exchange}.`;
    case Packet.TYPE.TXT: return ([] as unknown[]).concat(r.data ?? []).map((s) => JSON.stringify(String(s))).join(' ');
    case Packet.TYPE.SOA: return `${r.primary}. ${r.admin}. ${r.serial} ${r.refresh} ${r.retry} ${String(r.expiration)} ${r.minimum}`;
    default: return Buffer.isBuffer(r.data) ? `\\# ${r.data.length} ${r.data.toString('hex')}` : '';
  }
}

export function exchangeUdp(host: string, port: number, family: 4 | 6, msg: Buffer): Promise<Buffer> {
  const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { sock.close(); reject(new Error(`no reply from ${host}:${port} within ${TIMEOUT_MS} ms`)); }, TIMEOUT_MS);
    sock.on('message', (m) => { clearTimeout(timer); sock.close(); resolve(m); });
    sock.on('error', (e) => { clearTimeout(timer); sock.close(); reject(e); });
    sock.send(msg, port, host);
  });
}

export function exchangeTcp(host: string, port: number, msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    sock.setTimeout(TIMEOUT_MS, () => sock.destroy(new Error(`no reply from ${host}:${port} within ${TIMEOUT_MS} ms`)));
    sock.on('error', reject);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(msg.length, 0);
    sock.write(Buffer.concat([len, msg]));
  });
}
