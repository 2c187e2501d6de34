/**
 * Answer-set comparison of two servers with dig: same questions, five transports (UDP without
 * EDNS, with EDNS 1232 and 4096, TCP with and without EDNS). Compares rcode, the TC/AA flags, the EDNS line and the
 * records of every section as sets (order-insensitive, TTLs included, the SOA serial masked
 * because ordinal derives its own). Response sizes are printed when they differ (info only).
 *
 * Usage: node_modules/.bin/node bench/dns/compare.ts <portA> <portB> [outDir=bench/out] [sample=200]
 * Exit 1 when any answer set differs.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [portA, portB, outDir = 'bench/out', sampleArg = '200'] = process.argv.slice(2);
if (!portA || !portB) throw new Error('usage: compare.ts <portA> <portB> [outDir] [sample]');

interface Reply { status: string; flags: string; edns: string; size: string; rrs: string[] }

function questions(): string[] {
  const mix = readFileSync(path.join(outDir, 'q', 'mix.txt'), 'utf8').split('\n').filter(Boolean);
  const every = Math.max(1, Math.floor(mix.length / Number(sampleArg)));
  const sample = mix.filter((_, i) => i % every === 0);
  const fixed = [
    'cluster.local SOA', 'cluster.local NS', 'ns.dns.cluster.local A', 'dns-version.cluster.local TXT',
    'web.default.svc.cluster.local SRV', 'web-0.web.default.svc.cluster.local AAAA', 'svc-1.ns-1.svc.cluster.local TXT',
  ];
  return [...new Set([...fixed, ...readFileSync(path.join(outDir, 'q', 'srv100.txt'), 'utf8').split('\n').filter(Boolean),
    ...readFileSync(path.join(outDir, 'q', 'svca100.txt'), 'utf8').split('\n').filter(Boolean), ...sample])];
}

/** Split dig batch output into one block per reply; keep what must match. */
function parse(out: string): Reply[] {
  return out.split(';; Got answer:').slice(1).map((block) => {
    const status = /status: (\w+)/.exec(block)?.[1] ?? '?';
    const flags = (/;; flags: ([^;]*);/.exec(block)?.[1] ?? '').trim().split(/\s+/).sort().join(' ');
    const edns = /; EDNS: (.*)/.exec(block)?.[1]?.trim() ?? 'none';
    const size = /MSG SIZE\s+rcvd: (\d+)/.exec(block)?.[1] ?? '?';
    const rrs: string[] = [];
    let section = '';
    for (const line of block.split('\n')) {
      const head = /^;; (\w+) SECTION:/.exec(line);
      if (head) { section = head[1]!; continue; }
      if (!section || line.trim() === '' || line.startsWith(';')) continue;
      const f = line.trim().split(/\s+/);
      if (f[3] === 'SOA') f[6] = '<serial>';
      rrs.push(`${section} ${f.join(' ').toLowerCase()}`);
    }
    return { status, flags, edns, size, rrs: rrs.sort() };
  });
}

function ask(port: string, batch: string, opts: string[]): Reply[] {
  const out = execFileSync('dig', ['@127.0.0.1', '-p', port, '+norec', '+noall', '+comments', '+answer', '+authority',
    '+additional', '+stats', '+time=2', '+tries=1', ...opts, '-f', batch], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return parse(out);
}

const qs = questions();
const batch = path.join(outDir, 'logs', 'compare-questions.txt');
writeFileSync(batch, qs.join('\n') + '\n');
// +ignore: keep truncated UDP replies as they are (no retry over TCP). The TCP variants run
// last, with EDNS and then without it, so an answer cached for one TCP flavour shows up if it
// is served to the other.
const variants: Record<string, string[]> = {
  udp: ['+noedns', '+ignore'], 'udp-edns1232': ['+edns=0', '+bufsize=1232', '+ignore'], 'udp-edns4096': ['+edns=0', '+bufsize=4096', '+ignore'],
  tcp: ['+tcp', '+edns=0'], 'tcp-noedns': ['+tcp', '+noedns'],
};
let differ = 0;
let sizeDiffs = 0;
let compared = 0;
for (const [label, opts] of Object.entries(variants)) {
  const a = ask(portA, batch, opts);
  const b = ask(portB, batch, opts);
  if (a.length !== qs.length || b.length !== qs.length) throw new Error(`${label}: got ${a.length}/${b.length} replies for ${qs.length} questions`);
  qs.forEach((q, i) => {
    const x = a[i]!;
    const y = b[i]!;
    compared++;
    const same = x.status === y.status && x.flags === y.flags && x.edns === y.edns && x.rrs.join('\n') === y.rrs.join('\n');
    if (!same) {
      differ++;
      console.log(`DIFF ${label} ${q}\n  A: ${x.status} [${x.flags}] edns(${x.edns}) ${x.size} B\n     ${x.rrs.join('\n     ')}\n  B: ${y.status} [${y.flags}] edns(${y.edns}) ${y.size} B\n     ${y.rrs.join('\n     ')}`);
    } else if (x.size !== y.size) {
      sizeDiffs++;
      if (sizeDiffs <= 20) console.log(`size ${label} ${q}: ${x.size} B vs ${y.size} B (same records)`);
    }
  });
}
console.log(`compared ${compared} replies (${qs.length} questions x ${Object.keys(variants).length} transports): ${differ} differ, ${sizeDiffs} same records but different size`);
process.exitCode = differ ? 1 : 0;
