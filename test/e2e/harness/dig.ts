/**
 * @module dig(1) as an independent DNS client for e2e suites. Answers are normalised to
 * `name ttl TYPE rdata` (class dropped, whitespace collapsed) so they compare across servers.
 * dig comes from Debian's bind9-dnsutils; a missing dig fails the test (spawn ENOENT).
 */
import { run } from './util.ts';

export type DigResult = {
  /** RCODE name from the header comment: NOERROR, NXDOMAIN, SERVFAIL, ... or NO-REPLY. */
  status: string;
  /** Header flags, e.g. ['qr', 'aa', 'rd']. */
  flags: string[];
  answers: string[];
  authority: string[];
  raw: string;
};

/** Parse `dig +noall +comments +answer +authority` output; pure. */
export function parseDig(out: string): DigResult {
  const status = /status: ([A-Z]+)/.exec(out)?.[1] ?? 'NO-REPLY';
  const flags = (/;; flags: ([a-z ]+);/.exec(out)?.[1] ?? '').trim().split(/\s+/).filter((f) => f !== '');
  const sections: Record<'answers' | 'authority', string[]> = { answers: [], authority: [] };
  let current: 'answers' | 'authority' | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith(';; ANSWER SECTION')) current = 'answers';
    else if (line.startsWith(';; AUTHORITY SECTION')) current = 'authority';
    else if (line.startsWith(';')) {
      if (line.startsWith(';; ') && line.includes('SECTION')) current = undefined;
    } else if (line.trim() !== '' && current) {
      // name ttl class type rdata... → name ttl type rdata...
      sections[current].push(line.trim().split(/\s+/).filter((_, i) => i !== 2).join(' '));
    }
  }
  return { status, flags, answers: sections.answers, authority: sections.authority, raw: out };
}

export type DigOptions = { tcp?: boolean; extra?: readonly string[] };

/** Query 127.0.0.1:<port> once, without retries, recursion desired as a stub resolver sends it. */
export async function dig(port: number, name: string, type = 'A', opts: DigOptions = {}): Promise<DigResult> {
  const args = ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=2', '+noall', '+comments', '+answer', '+authority'];
  if (opts.tcp) args.push('+tcp');
  const res = await run('dig', [...args, ...(opts.extra ?? []), name, type], { timeoutMs: 10_000 });
  if (res.code !== 0 && res.code !== 9) throw new Error(`dig ${name} ${type} exited ${res.code}: ${res.stderr || res.stdout}`);
  return parseDig(res.stdout);
}
