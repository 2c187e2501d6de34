/**
 * @module A deliberately separate DNS codec for the soak's checker (RFC 1035 §4), so a bug in
 * the product's wire code cannot make the checker agree with it. Only what the checker reads:
 * the header, the question, and A / SRV / PTR / SOA answers.
 */

export const TYPE = { A: 1, NS: 2, SOA: 6, PTR: 12, AAAA: 28, SRV: 33, IXFR: 251, AXFR: 252 } as const;

export function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter((p) => p !== '');
  const bufs = parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')]));
  return Buffer.concat([...bufs, Buffer.from([0])]);
}

export function encodeQuery(id: number, name: string, type: number, opts: { rd?: boolean } = {}): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id & 0xffff, 0);
  h.writeUInt16BE(opts.rd ? 0x0100 : 0, 2);
  h.writeUInt16BE(1, 4);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(type, 0);
  q.writeUInt16BE(1, 2);
  return Buffer.concat([h, encodeName(name), q]);
}

export interface Answer { name: string; type: number; ttl: number; data: string }
export interface Message { id: number; rcode: number; tc: boolean; answers: Answer[]; authority: Answer[] }

function readName(b: Buffer, off: number): [string, number] {
  const labels: string[] = [];
  let end = -1;
  for (let hops = 0; hops < 128; hops++) {
    const len = b[off];
    if (len === undefined) throw new Error('name runs past the message');
    if (len === 0) return [labels.join('.').toLowerCase(), end === -1 ? off + 1 : end];
    if ((len & 0xc0) === 0xc0) {
      if (end === -1) end = off + 2;
      off = ((len & 0x3f) << 8) | b[off + 1]!;
      continue;
    }
    labels.push(b.toString('ascii', off + 1, off + 1 + len));
    off += 1 + len;
  }
  throw new Error('compression loop');
}

function readRecords(b: Buffer, off: number, n: number): [Answer[], number] {
  const out: Answer[] = [];
  for (let i = 0; i < n; i++) {
    const [name, o] = readName(b, off);
    const type = b.readUInt16BE(o);
    const ttl = b.readUInt32BE(o + 4);
    const len = b.readUInt16BE(o + 8);
    const rd = o + 10;
    let data = '';
    if (type === TYPE.A) data = [...b.subarray(rd, rd + 4)].join('.');
    else if (type === TYPE.PTR) data = readName(b, rd)[0];
    else if (type === TYPE.SRV) data = `${b.readUInt16BE(rd)} ${b.readUInt16BE(rd + 2)} ${b.readUInt16BE(rd + 4)} ${readName(b, rd + 6)[0]}`;
    else if (type === TYPE.SOA) data = `${readName(b, rd)[0]} serial`;
    if (type === TYPE.SOA) {
      const [, afterM] = readName(b, rd);
      const [, afterR] = readName(b, afterM);
      data = `soa ${b.readUInt32BE(afterR)}`;
    }
    out.push({ name, type, ttl, data });
    off = rd + len;
  }
  return [out, off];
}

export function decodeMessage(b: Buffer): Message {
  if (b.length < 12) throw new Error('short message');
  const flags = b.readUInt16BE(2);
  const qd = b.readUInt16BE(4), an = b.readUInt16BE(6), ns = b.readUInt16BE(8);
  let off = 12;
  for (let i = 0; i < qd; i++) off = readName(b, off)[1] + 4;
  const [answers, o2] = readRecords(b, off, an);
  const [authority] = readRecords(b, o2, ns);
  return { id: b.readUInt16BE(0), rcode: flags & 0xf, tc: (flags & 0x0200) !== 0, answers, authority };
}
