/**
 * @module `ordinal query`: a debugging client. Queries are encoded and replies decoded by
 * dns2, an implementation independent of ours, so it doubles as a cross-check.
 */
import { isIP } from 'node:net';
import { Packet, type Question, type Resource } from 'dns2';
import { parseHostPort } from '../dns/address.ts';
import { exchangeTcp, exchangeUdp, rdata, typeName } from '../dns/client.ts';
import { reverseName } from '../zone/wire.ts';
import type { QueryConfig } from './config.ts';
import type { Output } from './serve.ts';

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

function section(title: string, rrs: Resource[]): string[] {
  const rows = rrs.filter((r) => r.type !== Packet.TYPE.EDNS);
  if (rows.length === 0) return [];
  return ['', `;; ${title} SECTION:`, ...rows.map((r) => `${r.name}.\t${r.ttl}\tIN\t${typeName(r.type)}\t${rdata(r)}`)];
}

/** Render a decoded reply the way dig does (header, flags, sections, server). Pure. */
export function formatReply(p: Packet, server: string, transport: 'UDP' | 'TCP', bytes: number): string {
  const h = p.header;
  const flags = (['qr', 'aa', 'tc', 'rd', 'ra'] as const).filter((f) => h[f]).join(' ');
  const opt = p.additionals.find((r) => r.type === Packet.TYPE.EDNS);
  const rcode = (opt?.extendedRcode ?? 0) * 16 + h.rcode;
  const lines = [
    `;; ->>HEADER<<- opcode: ${h.opcode === 0 ? 'QUERY' : h.opcode}, status: ${RCODES[rcode] ?? (rcode === 16 ? 'BADVERS' : rcode)}, id: ${h.id}`,
    `;; flags: ${flags}; QUERY: ${p.questions.length}, ANSWER: ${p.answers.length}, AUTHORITY: ${p.authorities.length}, ADDITIONAL: ${p.additionals.length}`,
    '', ';; QUESTION SECTION:', ...p.questions.map((q) => `;${q.name}.\t\tIN\t${typeName(q.type)}`),
    ...section('ANSWER', p.answers), ...section('AUTHORITY', p.authorities), ...section('ADDITIONAL', p.additionals),
    '', `;; SERVER: ${server} (${transport})`, `;; MSG SIZE  rcvd: ${bytes}`, '',
  ];
  return lines.join('\n');
}

export function buildQueryPacket(cfg: QueryConfig): Buffer {
  const q = new Packet();
  q.header.id = Math.floor(Math.random() * 65536);
  q.header.rd = 1;
  // A bare address with PTR means "the reverse name for this address", as `dig -x` does.
  const name = cfg.type === Packet.TYPE.PTR && isIP(cfg.name) ? reverseName(cfg.name) : cfg.name.replace(/\.$/, '');
  q.questions.push({ name, type: cfg.type, class: Packet.CLASS.IN } as Question);
  return q.toBuffer();
}

/** Returns 0 when any reply came back (like dig, whatever its rcode), 1 on a network failure. */
export async function runQuery(cfg: QueryConfig, stdout: Output, stderr: Output): Promise<number> {
  const { host, port, family } = parseHostPort(cfg.server);
  const msg = buildQueryPacket(cfg);
  try {
    const reply = cfg.tcp ? await exchangeTcp(host, port, msg) : await exchangeUdp(host, port, family, msg);
    stdout.write(formatReply(Packet.parse(reply), `${host}#${port}`, cfg.tcp ? 'TCP' : 'UDP', reply.length));
    return 0;
  } catch (err) {
    stderr.write(`ordinal query: ${(err as Error).message}\n`);
    return 1;
  }
}
