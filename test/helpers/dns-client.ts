// A small raw DNS client for tests: builds queries byte by byte (so tests control every
// bit), sends them over UDP or pipelined TCP, and decodes replies with dns2 (an independent
// implementation of the wire format).
import dgram from 'node:dgram';
import net from 'node:net';
import { Packet } from 'dns2';

export interface QueryOptions {
  id?: number;
  rd?: boolean;
  cd?: boolean;
  /** Adds an OPT record. */
  edns?: { udpSize: number; version?: number; dnssecOk?: boolean };
  qclass?: number;
}

export function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

export function buildQuery(name: string, qtype: number, opts: QueryOptions = {}): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(opts.id ?? 0x1234, 0);
  h[2] = opts.rd === false ? 0 : 1;
  h[3] = opts.cd ? 0x10 : 0;
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(opts.edns ? 1 : 0, 10);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(qtype, 0);
  q.writeUInt16BE(opts.qclass ?? 1, 2);
  const parts = [h, encodeName(name), q];
  if (opts.edns) {
    const opt = Buffer.alloc(11);
    opt.writeUInt16BE(41, 1);
    opt.writeUInt16BE(opts.edns.udpSize, 3);
    opt[6] = opts.edns.version ?? 0;
    opt[7] = opts.edns.dnssecOk ? 0x80 : 0;
    parts.push(opt);
  }
  return Buffer.concat(parts);
}

export function udpExchange(port: number, msg: Buffer, host = '127.0.0.1', timeoutMs = 2000): Promise<Buffer> {
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { sock.close(); reject(new Error('udp timeout')); }, timeoutMs);
    sock.on('message', (m) => { clearTimeout(timer); sock.close(); resolve(m); });
    sock.on('error', (e) => { clearTimeout(timer); sock.close(); reject(e); });
    sock.send(msg, port, host);
  });
}

/** Send a datagram and report whether any reply arrives within `ms`. */
export function udpSilent(port: number, msg: Buffer, ms = 300, host = '127.0.0.1'): Promise<boolean> {
  return udpExchange(port, msg, host, ms).then(() => false, () => true);
}

export function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length, 0);
  return Buffer.concat([len, msg]);
}

/** Read `count` framed replies from a connected socket. */
export function readFrames(sock: net.Socket, count: number, timeoutMs = 3000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const out: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`tcp timeout after ${out.length}/${count} replies`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0) && out.length < count) {
        const len = buf.readUInt16BE(0);
        out.push(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
      }
      if (out.length === count) { clearTimeout(timer); sock.off('data', onData); resolve(out); }
    };
    sock.on('data', onData);
    sock.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

export function tcpConnect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Pipelined exchange: all queries written at once, replies collected in order. */
export async function tcpExchange(port: number, msgs: Buffer[], host = '127.0.0.1'): Promise<Buffer[]> {
  const sock = await tcpConnect(port, host);
  try {
    const replies = readFrames(sock, msgs.length);
    sock.write(Buffer.concat(msgs.map(frame)));
    return await replies;
  } finally {
    sock.destroy();
  }
}

export function decode(buf: Buffer): Packet {
  return Packet.parse(buf);
}
