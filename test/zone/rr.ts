/**
 * Test helper: an independent reader for WireRR tails, rendering each record in zone-file
 * presentation form, e.g. `web-0.web.default.svc.cluster.local. 5 IN A 10.244.1.5`.
 */
import type { LookupResult, WireRR } from '../../src/zone/types.ts';

const TYPES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 16: 'TXT', 28: 'AAAA', 33: 'SRV' };

function readName(b: Uint8Array, at: number): [string, number] {
  const labels: string[] = [];
  let o = at;
  for (;;) {
    const len = b[o] ?? 0;
    if (len === 0) return [labels.length ? `${labels.join('.')}.` : '.', o + 1];
    if (len > 63) throw new Error('compressed or bad label in rdata');
    labels.push(Buffer.from(b.subarray(o + 1, o + 1 + len)).toString());
    o += 1 + len;
  }
}

function v6(b: Uint8Array): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
  return g.join(':');
}

export function show(rr: WireRR): string {
  const t = rr.tail;
  const v = new DataView(t.buffer, t.byteOffset, t.byteLength);
  const type = v.getUint16(0);
  const cls = v.getUint16(2);
  const ttl = v.getUint32(4);
  const rdlen = v.getUint16(8);
  if (t.length !== 10 + rdlen) throw new Error(`rdlength ${rdlen} but tail has ${t.length - 10} rdata bytes`);
  if (type !== rr.type) throw new Error(`type field ${type} != WireRR.type ${rr.type}`);
  const rd = t.subarray(10);
  const dv = new DataView(rd.buffer, rd.byteOffset, rd.byteLength);
  let data: string;
  switch (type) {
    case 1: data = [...rd].join('.'); break;
    case 28: data = v6(rd); break;
    case 2: case 5: case 12: data = readName(rd, 0)[0]; break;
    case 33: {
      const [target, end] = readName(rd, 6);
      if (end !== rd.length) throw new Error('trailing bytes after SRV target');
      data = `${dv.getUint16(0)} ${dv.getUint16(2)} ${dv.getUint16(4)} ${target}`;
      break;
    }
    case 6: {
      const [m, o1] = readName(rd, 0);
      const [r, o2] = readName(rd, o1);
      const nums = [0, 1, 2, 3, 4].map((i) => dv.getUint32(o2 + i * 4));
      data = `${m} ${r} ${nums.join(' ')}`;
      break;
    }
    case 16: {
      const parts: string[] = [];
      for (let o = 0; o < rd.length;) { const n = rd[o] ?? 0; parts.push(JSON.stringify(Buffer.from(rd.subarray(o + 1, o + 1 + n)).toString())); o += 1 + n; }
      data = parts.join(' ');
      break;
    }
    default: data = `\\# ${rd.length}`;
  }
  return `${rr.owner}. ${ttl} ${cls === 1 ? 'IN' : `CLASS${cls}`} ${TYPES[type] ?? `TYPE${type}`} ${data}`;
}

export interface Shown { rcode: number; aa: boolean; answer: string[]; authority: string[]; additional: string[] }

export function showResult(r: LookupResult): Shown {
  return { rcode: r.rcode, aa: r.aa, answer: r.answer.map(show), authority: r.authority.map(show), additional: r.additional.map(show) };
}
