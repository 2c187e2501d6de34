/** @module The checker's DNS client: UDP with ids matched on one socket, TCP when truncated (RFC 7766). */
import { createSocket, type Socket as Udp } from 'node:dgram';
import { connect } from 'node:net';
import { decodeMessage, encodeQuery, TYPE, type Message } from './dnswire.ts';

export function tcpExchange(port: number, query: Buffer, timeoutMs: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(query.length);
    let buf = Buffer.alloc(0);
    const msgs: Buffer[] = [];
    let soas = 0;
    const isXfr = query.readUInt16BE(query.length - 4) === TYPE.AXFR || query.readUInt16BE(query.length - 4) === TYPE.IXFR;
    const t = setTimeout(() => { s.destroy(); reject(new Error('tcp timeout')); }, timeoutMs);
    s.on('error', (e) => { clearTimeout(t); reject(e); });
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + m.length);
        msgs.push(m);
        // A transfer ends with the second SOA (RFC 5936 §2.2); an IXFR "up to date" reply has one.
        const dec = decodeMessage(m);
        soas += dec.answers.filter((a) => a.type === TYPE.SOA).length;
        const done = !isXfr || soas >= 2 || dec.rcode !== 0 || (soas === 1 && dec.answers.length === 1 && msgs.length === 1);
        if (done) { clearTimeout(t); s.end(); resolve(msgs); return; }
      }
    });
    s.write(Buffer.concat([len, query]));
  });
}

export class DnsClient {
  private readonly udp: Udp;
  private readonly pending = new Map<number, (m: Buffer) => void>();
  private nextId = 1;
  readonly port: number;

  constructor(port: number) {
    this.port = port;
    this.udp = createSocket('udp4');
    this.udp.on('message', (m) => { if (m.length >= 2) this.pending.get(m.readUInt16BE(0))?.(m); });
    this.udp.on('error', () => undefined);
  }

  /** Resolves with the decoded answer, or undefined after timeoutMs (lost). */
  async query(name: string, type: number, timeoutMs = 1000): Promise<Message | undefined> {
    const id = (this.nextId = (this.nextId % 65535) + 1);
    const q = encodeQuery(id, name, type);
    const raw = await new Promise<Buffer | undefined>((resolve) => {
      const t = setTimeout(() => { this.pending.delete(id); resolve(undefined); }, timeoutMs);
      this.pending.set(id, (m) => { clearTimeout(t); this.pending.delete(id); resolve(m); });
      this.udp.send(q, this.port, '127.0.0.1');
    });
    if (!raw) return undefined;
    const m = decodeMessage(raw);
    if (!m.tc) return m;
    try {
      const [r] = await tcpExchange(this.port, q, timeoutMs);
      return r ? decodeMessage(r) : undefined;
    } catch {
      return undefined;
    }
  }

  close(): void { this.udp.close(); }
}
