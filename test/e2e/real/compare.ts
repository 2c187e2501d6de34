/**
 * @module Comparing two DNS servers' answers as dig reports them: RCODE, the aa flag, and the
 * answer and authority sections as sets, with TTLs and SOA serials normalised away (the two
 * servers count serials differently and answers may be cached for part of their TTL).
 */
import { execFile } from 'node:child_process';
import { parseDig, type DigResult } from '../harness/dig.ts';

export type Query = { name: string; type: string };
export type Answer = { status: string; aa: boolean; answers: string[]; authority: string[] };

/** `name ttl TYPE rdata` with the TTL and, for SOA, the serial replaced; pure. */
export function normaliseRR(rr: string): string {
  const f = rr.split(' ');
  f[1] = 'TTL';
  if (f[2] === 'SOA' && f.length >= 6) f[5] = 'SERIAL';
  return f.join(' ');
}

export function normalise(r: DigResult): Answer {
  return {
    status: r.status,
    aa: r.flags.includes('aa'),
    answers: [...new Set(r.answers.map(normaliseRR))].sort(),
    authority: [...new Set(r.authority.map(normaliseRR))].sort(),
  };
}

/**
 * dig once, as harness/dig.ts does, but with stdin closed: harness `run` writes to the child's
 * stdin without an error handler, which raises an uncaught EPIPE when many short-lived digs
 * run concurrently.
 */
export function digOnce(port: number, name: string, type: string, tcp = false): Promise<DigResult> {
  const args = ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=2', '+noall', '+comments', '+answer', '+authority', ...(tcp ? ['+tcp'] : []), name, type];
  return new Promise((resolve, reject) => {
    const child = execFile('dig', args, { timeout: 10_000 }, (err, stdout) => {
      const code = (err as { code?: unknown } | null)?.code;
      if (err && code !== 9) reject(new Error(`dig ${name} ${type}: ${err.message}`));
      else resolve(parseDig(stdout));
    });
    child.stdin?.destroy();
  });
}

export async function ask(port: number, q: Query, tcp = false): Promise<Answer> {
  return normalise(await digOnce(port, q.name, q.type, tcp));
}

/** Run `fn` over `items` with at most `n` in flight, keeping order. */
export async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

export const key = (q: Query): string => `${q.name} ${q.type}`;
