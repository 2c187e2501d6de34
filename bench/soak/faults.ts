/**
 * @module Faults and what is measured around them: kill -9 of `ordinal local` and a restart on
 * the same data dir (then an audit of every acknowledged write), watches cut mid-stream, the
 * second replica stopped for 30 s, and a full disk under the data dir (a tmpfs filled up).
 * Reconvergence = from the fault's end until every replica answers as the oracle does and
 * every StatefulSet is at its spec.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { NS, type Acks, type Churn } from './churn.ts';
import type { FaultKind } from './config.ts';
import type { ClusterView } from './expect.ts';
import type { Oracle } from './oracle.ts';
import type { Proc } from './procs.ts';
import type { Relay } from './proxy.ts';
import type { Sampler } from './sampler.ts';

export interface FaultRecord { kind: FaultKind; start: number; end: number; reconvergeMs: number; detail: string }

export interface FaultCtx {
  kc: KubeConfig; primary: Proc; replica: Proc; relay: Relay; oracle: Oracle; churn: Churn; sampler: Sampler;
  dataDir: string; stopSeconds: number; diskFullSeconds: number; log: (s: string) => void;
  /** Called just before the primary is killed: the realtime clients stop while it is down. */
  onPrimaryDown?: () => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every StatefulSet at spec: status caught up, and exactly replicas pods, all Ready, none going away. */
export function atSpec(v: ClusterView): string | undefined {
  for (const s of v.sets.values()) {
    if (s.observedGeneration < s.generation || s.readyReplicas !== s.replicas || s.updatedReplicas !== s.replicas || s.currentRevision !== s.updateRevision) {
      return `${s.ns}/${s.name}: ready ${s.readyReplicas}/${s.replicas}, updated ${s.updatedReplicas}, gen ${s.observedGeneration}/${s.generation}`;
    }
    const pods = [...v.pods.values()].filter((p) => p.ns === s.ns && p.set === s.name);
    if (pods.length !== s.replicas || pods.some((p) => !p.ready || p.terminating)) return `${s.ns}/${s.name}: ${pods.length} pods for ${s.replicas}`;
  }
  return undefined;
}

/** Time until converged, or -1 after limitMs. */
export async function converge(ctx: FaultCtx, from: number, limitMs: number): Promise<{ ms: number; why: string }> {
  let why = '';
  let said = from;
  while (Date.now() - from < limitMs) {
    if (why && Date.now() - said > 3000) { said = Date.now(); ctx.log(`  converging ${Date.now() - from} ms: ${why}`); }
    await ctx.churn.quiesce();
    const spec = atSpec(ctx.oracle.view);
    if (!spec) {
      const sw = await ctx.sampler.sweep();
      if (sw.mismatches === 0) return { ms: Date.now() - from, why: '' };
      why = `${sw.mismatches} DNS mismatches, e.g. ${sw.example}`;
    } else why = spec;
    await sleep(250);
  }
  return { ms: -1, why };
}

export interface AuditResult { checked: number; lost: string[] }

/** Acknowledged writes must all be there: Lease counters at least as acked, replicas as acked (or a later unacknowledged attempt). */
export async function audit(kc: KubeConfig, acks: Acks): Promise<AuditResult> {
  // What was acknowledged before the lists are asked for: writes acked later may rightly be missing from them.
  const ackedCm = new Map(acks.cm);
  const ackedSets = new Map([...acks.replicas].map(([k, v]) => [k, { acked: v.acked, maybe: [...v.maybe] }]));
  const coord = kc.makeApiClient(CoordinationV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const leases = (await coord.listNamespacedLease({ namespace: NS })).items;
  const cms = new Map(leases.map((c) => [c.metadata!.name!, Number(c.spec?.holderIdentity ?? -1)]));
  const rvs = new Map(leases.map((c) => [c.metadata!.name!, c.metadata?.resourceVersion]));
  const sets = new Map((await apps.listNamespacedStatefulSet({ namespace: NS })).items.map((s) => [s.metadata!.name!, s.spec?.replicas ?? 1]));
  const lost: string[] = [];
  let checked = 0;
  for (const [name, n] of ackedCm) {
    checked++;
    if ((cms.get(name) ?? -1) < n) lost.push(`lease ${name}: acked n=${n} (rv ${acks.cmRv.get(name) ?? '?'}), found n=${cms.get(name) ?? 'nothing'} (rv ${rvs.get(name) ?? '-'})`);
  }
  for (const [name, r] of ackedSets) {
    checked++;
    const found: number | 'deleted' = sets.get(name) ?? 'deleted';
    if (found !== r.acked && !r.maybe.includes(found)) lost.push(`statefulset ${name}: acked ${r.acked}, found ${found}`);
  }
  return { checked, lost };
}

async function retry<T>(fn: () => Promise<T>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try { return await fn(); } catch (err) { if (Date.now() > end) throw err; await sleep(250); }
  }
}

/** Inject one fault; resolves at the fault's end with a detail line. */
export async function inject(kind: FaultKind, ctx: FaultCtx, acks: Acks, audits: AuditResult[]): Promise<string> {
  if (kind === 'kill9') {
    ctx.sampler.down.add('primary');
    ctx.onPrimaryDown?.();
    await ctx.primary.kill9();
    await sleep(500);
    const t0 = Date.now();
    ctx.primary.start();
    ctx.primary.restarts++;
    await ctx.primary.waitFor(/export KUBECONFIG=/, 60_000);
    // The primary stays "down" for the checker until reconverged: until its zone is loaded it may answer SERVFAIL.
    const a = await retry(() => audit(ctx.kc, acks), 20_000);
    audits.push(a);
    return `restarted in ${Date.now() - t0} ms; audit: ${a.checked} acked objects, ${a.lost.length} lost`;
  }
  if (kind === 'watch-cut') return `${ctx.relay.cut()} connections cut`;
  if (kind === 'sigstop') {
    ctx.sampler.down.add('replica');
    ctx.replica.signal('SIGSTOP');
    await sleep(ctx.stopSeconds * 1000);
    ctx.replica.signal('SIGCONT');
    // The replica stays "down" for the checker until reconverged: back from the stop it answers
    // SERVFAIL until its informers have relisted (src/dns/freshness.ts). A stale answer is wrong all the same.
    return `stopped ${ctx.stopSeconds} s`;
  }
  // disk-full: fill the data dir's tmpfs, keep it full, free it.
  const filler = join(ctx.dataDir, 'soak-filler');
  const before = { ...acks.codes };
  const free = statfsSync(ctx.dataDir);
  // Most of the space at once (a few blocks short, which fallocate needs for itself), then the rest byte-wise until ENOSPC.
  execFileSync('fallocate', ['-l', String(Math.max(0, Number(free.bavail) - 64) * Number(free.bsize)), filler]);
  try { execFileSync('dd', ['if=/dev/zero', `of=${filler}2`, 'bs=512'], { stdio: 'ignore' }); } catch { /* ENOSPC: the point */ }
  const left = statfsSync(ctx.dataDir);
  ctx.log(`  disk full: ${Number(left.bavail) * Number(left.bsize)} bytes left`);
  await sleep(ctx.diskFullSeconds * 1000);
  rmSync(filler, { force: true });
  rmSync(`${filler}2`, { force: true });
  const codes = Object.entries(acks.codes).map(([c, n]) => [c, n - (before[c] ?? 0)] as const).filter(([, n]) => n > 0);
  const a = await retry(() => audit(ctx.kc, acks), 20_000);
  audits.push(a);
  return `full ${ctx.diskFullSeconds} s; refused writes by code: ${codes.map(([c, n]) => `${c}×${n}`).join(', ') || 'none'}; audit: ${a.lost.length} lost`;
}
