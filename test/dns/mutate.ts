// Mutated DNS packets for the fuzz and batch-equivalence tests: random bytes, bit flips,
// truncations, compression pointers, huge section counts, trailing junk; `mixed` adds the
// shapes a batch must keep apart: intact queries, responses (QR=1) and oversized datagrams.
import { buildQuery } from '../helpers/dns-client.ts';

export const seeds = [
  buildQuery('web-1.nginx.default.svc.cluster.local', 1),
  buildQuery('_http._tcp.nginx.default.svc.cluster.local', 33, { edns: { udpSize: 4096 } }),
  buildQuery('2.0.244.10.in-addr.arpa', 12, { edns: { udpSize: 1232, dnssecOk: true } }),
];

function junk(r: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

export function mutate(r: () => number): Buffer {
  const pick = Math.floor(r() * 6);
  const base = Buffer.from(seeds[Math.floor(r() * seeds.length)]!);
  const at = (): number => Math.floor(r() * base.length);
  switch (pick) {
    case 0: return junk(r, Math.floor(r() * 600)); // random bytes
    case 1: { // bit flips
      for (let n = 1 + Math.floor(r() * 8); n > 0; n--) { const i = at(); base[i]! ^= 1 << Math.floor(r() * 8); }
      return base;
    }
    case 2: return base.subarray(0, at()); // truncation
    case 3: { // a pointer somewhere, often a loop or out of range
      const i = 12 + Math.floor(r() * (base.length - 13));
      base[i] = 0xc0 | Math.floor(r() * 64);
      base[i + 1] = Math.floor(r() * 256);
      return base;
    }
    case 4: { // huge section counts
      for (const o of [4, 6, 8, 10]) if (r() < 0.5) base.writeUInt16BE(Math.floor(r() * 65536), o);
      return base;
    }
    default: return Buffer.concat([base, junk(r, Math.floor(r() * 100))]); // valid header, trailing junk
  }
}

/** Valid queries (random ID and case), garbage, responses and oversized datagrams, mixed. */
export function mixed(r: () => number, maxOversize = 60_000): Buffer {
  const p = r();
  if (p < 0.35) {
    const q = Buffer.from(seeds[Math.floor(r() * seeds.length)]!);
    if (r() < 0.5) q[13] = q[13]! ^ 0x20; // 0x20 case echo (RFC 4343)
    return q;
  }
  if (p < 0.45) { // a response: must never be answered
    const q = Buffer.from(seeds[Math.floor(r() * seeds.length)]!);
    q[2] = q[2]! | 0x80;
    return q;
  }
  if (p < 0.46) { // oversized: a query followed by kilobytes of junk
    const q = seeds[Math.floor(r() * seeds.length)]!;
    return Buffer.concat([q, junk(r, 4096 + Math.floor(r() * (maxOversize - 4096)))]);
  }
  return mutate(r);
}
