/**
 * @module The checker: asks both replicas a sample of questions and judges each answer against
 * the oracle. An answer is right when it equals the expected answer of some cluster state that
 * was current between (sent - window) and (received + window): the propagation window.
 * "No records" is one class: NXDOMAIN and NOERROR/NODATA are both accepted for it and counted apart.
 */
import { DnsClient } from './client.ts';
import { TYPE } from './dnswire.ts';
import { expectedAnswer, renderAnswer, ZONE, type ClusterView, type Question } from './expect.ts';
import { statesInGap } from './gap.ts';
import type { Oracle } from './oracle.ts';
import type { Rng } from './rng.ts';

export interface SampleStats {
  sent: number; answered: number; lost: number; lostInFault: number; right: number; wrong: number; nodataForNx: number;
  /** Right only as a state the oracle could not see, between a watch's end and its relist (gap.ts). */
  rightInGap: number;
  examples: string[];
}

const qtype = (q: Question): number => TYPE[q.type];
const same = (a: string, e: string): boolean => a === e || (e === 'NXDOMAIN' && a === 'NODATA');

export function pickQuestion(view: ClusterView, rng: Rng): Question {
  const pods = [...view.pods.values()].filter((p) => p.hostname && p.subdomain);
  const sets = [...view.sets.values()];
  const r = rng.next();
  if (r < 0.4 && pods.length) { const p = rng.pick(pods); return { name: `${p.hostname}.${p.subdomain}.${p.ns}.svc.${ZONE}`, type: 'A' }; }
  if (r < 0.65 && sets.length) {
    const s = rng.pick(sets);
    const base = `${s.serviceName}.${s.ns}.svc.${ZONE}`;
    const k = rng.int(0, 3);
    return k === 0 ? { name: base, type: 'A' } : k === 1 ? { name: base, type: 'SRV' } : { name: `_peer._tcp.${base}`, type: 'SRV' };
  }
  if (r < 0.8) return rng.chance(0.5) ? { name: `nx-${rng.int(0, 1e9)}.soak.svc.${ZONE}`, type: 'A' } : { name: `x${rng.int(0, 1e6)}.big0.soak.svc.${ZONE}`, type: 'A' };
  const withIp = pods.filter((p) => p.ip);
  if (withIp.length && rng.chance(0.8)) return { name: `${rng.pick(withIp).ip.split('.').reverse().join('.')}.in-addr.arpa`, type: 'PTR' };
  return { name: `${rng.int(0, 250)}.${rng.int(0, 250)}.200.10.in-addr.arpa`, type: 'PTR' };
}

export class Sampler {
  readonly stats = new Map<string, SampleStats>();
  private readonly clients: Map<string, DnsClient>;
  private readonly pending: { replica: string; q: Question; sent: number; recv: number; got: string }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly oracle: Oracle;
  private readonly rng: Rng;
  private readonly windowMs: number;
  /** Replicas the soak has made unreachable on purpose: their timeouts are counted apart. */
  readonly down = new Set<string>();

  constructor(oracle: Oracle, replicas: Record<string, number>, rng: Rng, windowMs: number) {
    this.oracle = oracle;
    this.rng = rng;
    this.windowMs = windowMs;
    this.clients = new Map(Object.entries(replicas).map(([k, p]) => [k, new DnsClient(p)]));
    for (const k of this.clients.keys()) this.stats.set(k, { sent: 0, answered: 0, lost: 0, lostInFault: 0, right: 0, wrong: 0, nodataForNx: 0, rightInGap: 0, examples: [] });
  }

  start(rate: number): void {
    this.timer = setInterval(() => {
      for (let i = 0; i < Math.max(1, rate / 10); i++) for (const name of this.clients.keys()) void this.one(name);
      this.judge(Date.now());
    }, 100);
  }

  private async one(replica: string): Promise<void> {
    const q = pickQuestion(this.oracle.view, this.rng);
    const st = this.stats.get(replica)!;
    const wasDown = this.down.has(replica);
    st.sent++;
    const sent = Date.now();
    const m = await this.clients.get(replica)!.query(q.name, qtype(q));
    if (!m) { if (wasDown || this.down.has(replica)) st.lostInFault++; else st.lost++; return; }
    // SERVFAIL is "cannot answer now" (RFC 1035 §4.1.1): while the soak has the replica down it counts as lost, otherwise as wrong.
    if (m.rcode === 2 && (wasDown || this.down.has(replica))) { st.lostInFault++; return; }
    st.answered++;
    this.pending.push({ replica, q, sent, recv: Date.now(), got: renderAnswer(q.type, m.rcode, m.answers) });
  }

  /** Judge answers whose window has closed. */
  judge(now: number, all = false): void {
    while (this.pending.length && (all || this.pending[0]!.recv + this.windowMs < now)) {
      const p = this.pending.shift()!;
      const st = this.stats.get(p.replica)!;
      // The views nearest the reply first, and the first match ends the search: the expected
      // answers were 60% of this process's CPU, which it shares with the servers it measures.
      const views = this.oracle.viewsBetween(p.sent - this.windowMs, p.recv + this.windowMs, p.recv);
      let right = views.some((v) => same(p.got, expectedAnswer(v, p.q)));
      if (!right && this.fromGap(p.got, p.q, p.sent - this.windowMs, p.recv + this.windowMs)) {
        right = true;
        st.rightInGap++;
      }
      if (right) {
        st.right++;
        if (p.got === 'NODATA') st.nodataForNx++;
      } else {
        const exp = views.map((v) => expectedAnswer(v, p.q));
        st.wrong++;
        if (st.examples.length < 10) st.examples.push(`${new Date(p.recv).toISOString()} ${p.replica} ${p.q.name} ${p.q.type}: got ${p.got.slice(0, 200)}; expected ${[...new Set(exp)].join(' or ').slice(0, 300)}`);
      }
    }
  }

  /** Is `got` the answer of a state the oracle could not see, in a relist's gap overlapping [from, to] (gap.ts)? */
  private fromGap(got: string, q: Question, from: number, to: number): boolean {
    return this.oracle.gapsBetween(from, to).some((g) => statesInGap(g, q)?.some((v) => same(got, expectedAnswer(v, q))) === true);
  }

  /** Every name the oracle knows, asked of every replica, compared with the current view: mismatches (0 = converged). */
  async sweep(): Promise<{ mismatches: number; example: string }> {
    const v = this.oracle.view;
    const qs: Question[] = [];
    for (const p of v.pods.values()) if (p.hostname && p.subdomain) qs.push({ name: `${p.hostname}.${p.subdomain}.${p.ns}.svc.${ZONE}`, type: 'A' });
    for (const s of v.sets.values()) {
      const base = `${s.serviceName}.${s.ns}.svc.${ZONE}`;
      qs.push({ name: base, type: 'A' }, { name: base, type: 'SRV' }, { name: `_peer._tcp.${base}`, type: 'SRV' });
    }
    let mismatches = 0;
    let example = '';
    await Promise.all([...this.clients].flatMap(([rep, c]) => qs.map(async (q) => {
      const m = await c.query(q.name, qtype(q), 1500);
      const got = m ? renderAnswer(q.type, m.rcode, m.answers) : 'TIMEOUT';
      const e = expectedAnswer(this.oracle.view, q);
      if (!same(got, e)) { mismatches++; example ||= `${rep} ${q.name} ${q.type}: got ${got.slice(0, 120)} expected ${e.slice(0, 120)}`; }
    })));
    return { mismatches, example };
  }

  private closed = false;

  /** Stop sending; answers still in flight are judged by a later judge(now, true). */
  pause(): void { clearInterval(this.timer); }

  stop(): void {
    clearInterval(this.timer);
    if (this.closed) return;
    this.closed = true;
    for (const c of this.clients.values()) c.close();
  }
}
