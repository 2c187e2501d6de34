/** @module The report: a terminal/Markdown summary, the latency plot as a small hand-written SVG, and the pass/fail targets. */
import type { FaultRecord } from './faults.ts';

export interface MinuteRow { minute: number; p50: number; p99: number; p999: number; calmP99: number; calmUdpP99: number; calmTcpP99: number; n: number; fault: boolean;
  /** The most the host took of the CPU in one of the minute's chunks (0-1; NaN unknown), and how many fault-free chunks that left out. */
  steal?: number; stolenChunks?: number; procs: Record<string, { rssMB: number; fds: number } | undefined>; stored?: { objects: number; history: number } | undefined }

export interface Target { name: string; value: string; pass: boolean }

/** p50/p99/p99.9 per minute as polylines on a log-scaled y axis; minutes with a fault are shaded. */
export function latencySvg(rows: MinuteRow[]): string {
  const W = 640, H = 260, L = 50, R = 110, T = 20, B = 30;
  const vals = rows.flatMap((r) => [r.p50, r.p99, r.p999]).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.log10(Math.max(0.01, Math.min(...vals, 1))), hi = Math.log10(Math.max(...vals, 2) * 1.2);
  const n = Math.max(rows.length, 1);
  const x = (i: number): number => L + ((i + 0.5) * (W - L - R)) / n;
  const y = (v: number): number => T + (H - T - B) * (1 - (Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo));
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`];
  rows.forEach((r, i) => { if (r.fault) out.push(`<rect x="${x(i) - (W - L - R) / n / 2}" y="${T}" width="${(W - L - R) / n}" height="${H - T - B}" fill="#fde2e2"/>`); });
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) < lo || Math.log10(v) > hi) continue;
      out.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 4}" y="${y(v) + 4}" text-anchor="end">${v} ms</text>`);
    }
  }
  const series: [string, keyof MinuteRow, string][] = [['p50', 'p50', '#2b7bb9'], ['p99', 'p99', '#e08a00'], ['p99.9', 'p999', '#c0392b']];
  series.forEach(([label, k, color], si) => {
    const pts = rows.map((r, i) => [x(i), r[k] as number] as const).filter(([, v]) => Number.isFinite(v)).map(([px, v]) => `${px.toFixed(1)},${y(v).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    out.push(`<text x="${W - R + 10}" y="${T + 15 + si * 16}" fill="${color}">${label}</text>`);
  });
  out.push(`<text x="${W - R + 10}" y="${T + 70}" fill="#c0392b">shaded: fault</text>`);
  out.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="black"/>`);
  rows.forEach((r, i) => { if (n <= 20 || i % Math.ceil(n / 20) === 0) out.push(`<text x="${x(i)}" y="${H - B + 14}" text-anchor="middle">${r.minute}</text>`); });
  out.push(`<text x="${(W - R + L) / 2}" y="${H - 2}" text-anchor="middle">minute</text></svg>`);
  return out.join('\n');
}

/** The minute's worst chunk steal, marked when chunks were left out of the p99 for it. */
function stealCell(r: MinuteRow): string {
  if (r.steal === undefined || !Number.isFinite(r.steal)) return '–';
  return `${(100 * r.steal).toFixed(1)}%${r.stolenChunks ? ` (${r.stolenChunks} left out)` : ''}`;
}

export function markdown(a: {
  header: string[]; targets: Target[]; rows: MinuteRow[]; faults: FaultRecord[]; counts: string[]; slopes: string[]; svgFile: string; problems: string[];
}): string {
  const procs = [...new Set(a.rows.flatMap((r) => Object.keys(r.procs)))];
  const f = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '–');
  return [
    ...a.header, '',
    '### Targets', '', '| target | measured | |', '|---|---|---|',
    ...a.targets.map((t) => `| ${t.name} | ${t.value} | ${t.pass ? 'pass' : '**FAIL**'} |`), '',
    '### Counts', '', ...a.counts.map((c) => `- ${c}`), '',
    '### Latency per minute (dnsperf UDP + TCP, ms)', '', `![latency per minute](${a.svgFile})`, '',
    `| min | queries | p50 | p99 | p99.9 | p99 without fault chunks | of which UDP / TCP | fault | host steal | ${procs.map((p) => `${p} mean RSS MB / fds`).join(' | ')} | API objects / watch events |`,
    `|---|---|---|---|---|---|---|---|---|${procs.map(() => '---').join('|')}|---|`,
    ...a.rows.map((r) => `| ${r.minute} | ${r.n} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.p999)} | ${f(r.calmP99)} | ${f(r.calmUdpP99)} / ${f(r.calmTcpP99)} | ${r.fault ? 'yes' : ''} | ${stealCell(r)} | ${procs.map((p) => (r.procs[p] ? `${r.procs[p]!.rssMB.toFixed(1)} / ${r.procs[p]!.fds}` : '–')).join(' | ')} | ${r.stored ? `${r.stored.objects} / ${r.stored.history}` : '–'} |`), '',
    '### RSS slope after warm-up', '', ...a.slopes.map((s) => `- ${s}`), '',
    '### Faults', '', '| # | fault | at s | reconverged in | detail |', '|---|---|---|---|---|',
    ...a.faults.map((x, i) => `| ${i + 1} | ${x.kind} | ${(x.start / 1000).toFixed(0)} | ${x.reconvergeMs < 0 ? '**not within limit**' : `${(x.reconvergeMs / 1000).toFixed(2)} s`} | ${x.detail} |`), '',
    ...(a.problems.length ? ['### Problems found', '', ...a.problems.map((p) => `- ${p.replaceAll('\n', ' ')}`), ''] : []),
  ].join('\n');
}
