/**
 * @module dig, nslookup and host as a pod runs them (tutum/dnsutils, busybox): queries go to
 * ordinal's DNS, the pod's nameserver; nslookup and host walk the pod's search path (ndots 5)
 * as resolv.conf makes them, dig does not (it needs +search). Replies are decoded by dns2 and
 * printed in each tool's own layout (BIND 9's dig, nslookup and host); exit codes are theirs:
 * dig 0 for any reply, 9 for none; nslookup and host 1 when the name is not found.
 */
import { Packet, type Question, type Resource } from 'dns2';
import { parseHostPort } from '../../../dns/address.ts';
import { exchangeUdp, rdata } from '../../../dns/client.ts';
import type { Command, CommandContext, CommandIO } from './commands.ts';
import { candidates, searchPath } from './resolver.ts';

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
const TYPES = new Set(['A', 'AAAA', 'SRV', 'PTR', 'TXT', 'SOA', 'NS', 'CNAME', 'MX', 'ANY']);

interface Reply {
  packet: Packet;
  bytes: number;
  ms: number;
  server: { host: string; port: number };
}

async function query(ctx: CommandContext, name: string, type: string, edns = false): Promise<Reply> {
  const addr = ctx.dns?.dnsServer();
  if (!addr) throw new Error('no servers could be reached');
  const server = parseHostPort(addr);
  const q = new Packet();
  q.header.id = Math.floor(Math.random() * 65536);
  q.header.rd = 1;
  q.questions.push({ name: name.replace(/\.$/, ''), type: Packet.TYPE[type as keyof typeof Packet.TYPE] ?? Packet.TYPE.A, class: Packet.CLASS.IN } as Question);
  // dig offers EDNS0 with a 4096-byte buffer by default (RFC 6891); the resolver library does not.
  if (edns) q.additionals.push(Packet.Resource.EDNS([]));
  const started = Date.now();
  const raw = await exchangeUdp(server.host, server.port, server.family, q.toBuffer());
  return { packet: Packet.parse(raw), bytes: raw.length, ms: Date.now() - started, server };
}

function typeName(t: number): string {
  return Packet.TYPE_NAME[t] ?? `TYPE${t}`;
}

/**
 * BIND's master-file style: each field is padded with tabs to its column (owner 24, TTL 32,
 * class 40, type 48), or followed by one space when it already reaches past it.
 */
export function columns(...fields: [string, number][]): string {
  let out = '';
  let col = 0;
  for (const [text, target] of fields) {
    out += text;
    col += text.length;
    if (target === 0) continue;
    if (col >= target) {
      out += ' ';
      col += 1;
      continue;
    }
    while (col < target) {
      out += '\t';
      col = (Math.floor(col / 8) + 1) * 8;
    }
  }
  return out;
}

function digSection(title: string, rrs: readonly Resource[]): string[] {
  const rows = rrs.filter((r) => r.type !== Packet.TYPE.EDNS);
  if (!rows.length) return [];
  return ['', `;; ${title} SECTION:`, ...rows.map((r) => columns([`${r.name}.`, 24], [String(r.ttl), 32], ['IN', 40], [typeName(r.type), 48], [rdata(r), 0]))];
}

/** dig's WHEN line: `Sat Dec 05 05:29:38 UTC 2026`. */
export function digDate(d: Date): string {
  const [day, , , , time] = d.toUTCString().split(' ');
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${day!.replace(',', '')} ${mon} ${String(d.getUTCDate()).padStart(2, '0')} ${time} UTC ${d.getUTCFullYear()}`;
}

/** dig [@server] [type] name [+short] */
export const dig: Command = async (args, io, ctx) => {
  const words = args.filter((a) => !a.startsWith('+') && !a.startsWith('@'));
  const short = args.includes('+short');
  const type = words.find((w) => TYPES.has(w.toUpperCase()))?.toUpperCase() ?? 'A';
  const name = words.find((w) => !TYPES.has(w.toUpperCase())) ?? '.';
  let r: Reply;
  try {
    r = await query(ctx, name, type, true);
  } catch {
    io.stdout(';; connection timed out; no servers could be reached\n');
    return 9;
  }
  if (short) {
    for (const a of r.packet.answers) io.stdout(`${rdata(a)}\n`);
    return 0;
  }
  const p = r.packet;
  const h = p.header;
  const flags = (['qr', 'aa', 'tc', 'rd', 'ra'] as const).filter((f) => h[f]).join(' ');
  const warn = h.rd && !h.ra ? [';; WARNING: recursion requested but not available'] : [];
  const opt = p.additionals.find((a) => a.type === Packet.TYPE.EDNS);
  const host = r.server.host;
  io.stdout([
    '', `; <<>> DiG 9.9.5-3ubuntu0.2-Ubuntu <<>> ${args.join(' ')}`, ';; global options: +cmd', ';; Got answer:',
    `;; ->>HEADER<<- opcode: QUERY, status: ${RCODES[h.rcode] ?? h.rcode}, id: ${h.id}`,
    `;; flags: ${flags}; QUERY: ${p.questions.length}, ANSWER: ${p.answers.length}, AUTHORITY: ${p.authorities.length}, ADDITIONAL: ${p.additionals.length}`,
    ...warn, '', ...(opt ? [';; OPT PSEUDOSECTION:', `; EDNS: version: 0, flags:; udp: ${opt.class}`] : []),
    ';; QUESTION SECTION:', ...p.questions.map((q) => columns([`;${q.name}.`, 24], ['IN', 40], [typeName(q.type), 0])),
    ...digSection('ANSWER', p.answers), ...digSection('AUTHORITY', p.authorities), ...digSection('ADDITIONAL', p.additionals), '',
    `;; Query time: ${r.ms} msec`, `;; SERVER: ${host}#${r.server.port}(${host})`, `;; WHEN: ${digDate(new Date())}`, `;; MSG SIZE  rcvd: ${r.bytes}`, '', '',
  ].join('\n'));
  return 0;
};

/** Walk the search list for a name with records of `type`; the last reply when none has. */
async function searchQuery(ctx: CommandContext, name: string, type: string): Promise<{ name: string; reply: Reply }> {
  const list = candidates(name, searchPath(ctx.dns?.namespace ?? 'default', ctx.dns?.zone ?? 'cluster.local'));
  let last: { name: string; reply: Reply } | undefined;
  let nx: { name: string; reply: Reply } | undefined;
  for (const n of list) {
    const reply = await query(ctx, n, type);
    last = { name: n, reply };
    if (reply.packet.header.rcode === 0 && reply.packet.answers.length > 0) return last;
    if (reply.packet.header.rcode === 3) nx ??= last;
  }
  // ordinal refuses names outside its zones, where a cluster DNS would forward them and get
  // NXDOMAIN: report the NXDOMAIN of an in-zone candidate rather than the refusal.
  return last?.reply.packet.header.rcode === 5 && nx ? nx : last!;
}

function addresses(reply: Reply): string[] {
  return reply.packet.answers.filter((a) => a.type === Packet.TYPE.A || a.type === Packet.TYPE.AAAA).map((a) => a.address ?? '');
}

/** nslookup name: the server, then Name/Address lines; `** server can't find` when not found. */
export const nslookup: Command = async (args, io, ctx) => {
  const name = args.find((a) => !a.startsWith('-'));
  if (!name) return usage(io, 'nslookup');
  let found;
  try {
    found = await searchQuery(ctx, name, 'A');
  } catch {
    io.stdout(';; connection timed out; no servers could be reached\n\n');
    return 1;
  }
  const { host, port } = found.reply.server;
  io.stdout(`Server:\t\t${host}\nAddress:\t${host}#${port}\n\n`);
  const ips = addresses(found.reply);
  if (ips.length === 0) {
    io.stdout(`** server can't find ${name}: ${RCODES[found.reply.packet.header.rcode] ?? 'NXDOMAIN'}\n\n`);
    return 1;
  }
  io.stdout(ips.map((ip) => `Name:\t${found.name}\nAddress: ${ip}\n`).join('') + '\n');
  return 0;
};

/** host [-t type] name */
export const host: Command = async (args, io, ctx) => {
  const t = args.indexOf('-t');
  const type = t >= 0 ? (args[t + 1] ?? 'A').toUpperCase() : 'A';
  const name = args.filter((_a, i) => t < 0 || (i !== t && i !== t + 1)).find((a) => !a.startsWith('-'));
  if (!name) return usage(io, 'host');
  let found;
  try {
    found = await searchQuery(ctx, name, type);
  } catch {
    io.stdout(`;; connection timed out; no servers could be reached\n`);
    return 1;
  }
  const p = found.reply.packet;
  if (p.answers.length === 0) {
    const rc = p.header.rcode;
    io.stdout(rc === 0 ? '' : `Host ${name} not found: ${rc}(${RCODES[rc] ?? rc})\n`);
    return rc === 0 ? 0 : 1;
  }
  for (const a of p.answers) {
    if (a.type === Packet.TYPE.A) io.stdout(`${a.name} has address ${a.address}\n`);
    else if (a.type === Packet.TYPE.AAAA) io.stdout(`${a.name} has IPv6 address ${a.address}\n`);
    else if (a.type === Packet.TYPE.SRV) io.stdout(`${a.name} has SRV record ${a.priority} ${a.weight} ${a.port} ${a.target}.\n`);
    else io.stdout(`${a.name} has ${Packet.TYPE_NAME[a.type] ?? a.type} record\n`);
  }
  return 0;
};

function usage(io: CommandIO, tool: string): number {
  io.stderr(`Usage: ${tool} name\n`);
  return 1;
}
