/**
 * @module The human-readable progress view of `ordinal local`: one line whenever a pod or a
 * claim changes in a way a person cares about (scheduled, running, ready, terminating, gone,
 * bound), with the pod's stable DNS name. Machines read the pino logs on stderr instead.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { createInformer, type RawObject } from '../kube/informer.ts';
import type { Logger } from '../log.ts';
import type { Output } from './serve.ts';

/** What a person sees of a pod: enough to tell its story, nothing more. */
export interface PodView {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  state: string;
  node: string;
  ip: string;
  dnsName: string;
}

export interface ClaimView {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  state: string;
  volume: string;
}

function condition(pod: RawObject, type: string): string | undefined {
  const conds = (pod?.status?.conditions ?? []) as Array<{ type?: string; status?: string }>;
  return conds.find((c) => c.type === type)?.status;
}

/** The state word of a pod, as `kubectl get po` would summarise it. */
export function podState(pod: RawObject): string {
  if (pod?.metadata?.deletionTimestamp) return pod?.status?.reason === 'NodeLost' ? 'Terminating (node lost)' : 'Terminating';
  if (pod?.status?.phase === 'Unknown') return 'Unknown (node lost)';
  const phase = String(pod?.status?.phase ?? 'Pending');
  if (phase !== 'Running') return pod?.spec?.nodeName && phase === 'Pending' ? 'ContainerCreating' : phase;
  return condition(pod, 'Ready') === 'True' ? 'Ready' : 'Running, not ready';
}

export function toPodView(pod: RawObject, zone: string): PodView {
  const ns = String(pod?.metadata?.namespace ?? 'default');
  const host = pod?.spec?.hostname;
  const sub = pod?.spec?.subdomain;
  return {
    metadata: { name: String(pod?.metadata?.name), namespace: ns, resourceVersion: pod?.metadata?.resourceVersion },
    state: podState(pod),
    node: String(pod?.spec?.nodeName ?? ''),
    ip: String(pod?.status?.podIP ?? ''),
    dnsName: host && sub ? `${host}.${sub}.${ns}.svc.${zone}` : '',
  };
}

export function toClaimView(pvc: RawObject): ClaimView {
  return {
    metadata: { name: String(pvc?.metadata?.name), namespace: String(pvc?.metadata?.namespace ?? 'default'), resourceVersion: pvc?.metadata?.resourceVersion },
    state: pvc?.metadata?.deletionTimestamp ? 'Terminating' : String(pvc?.status?.phase ?? 'Pending'),
    volume: String(pvc?.spec?.volumeName ?? ''),
  };
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const clock = (now: Date): string => now.toISOString().slice(11, 19);

/** The line for a pod change, or undefined when nothing a person cares about changed. */
export function podLine(now: Date, cur: PodView | undefined, old: PodView | undefined): string | undefined {
  const v = cur ?? old;
  if (!v) return undefined;
  const name = `${v.metadata.namespace}/${v.metadata.name}`;
  if (!cur) return `${clock(now)}  pod ${pad(name, 24)} deleted`;
  if (old && old.state === cur.state && old.ip === cur.ip && old.node === cur.node) return undefined;
  const where = [cur.node && `on ${cur.node}`, cur.ip].filter(Boolean).join(' ');
  const dns = cur.state === 'Ready' && cur.dnsName ? `  ${cur.dnsName}` : '';
  return `${clock(now)}  pod ${pad(name, 24)} ${pad(cur.state, 18)} ${where}${dns}`.trimEnd();
}

export function claimLine(now: Date, cur: ClaimView | undefined, old: ClaimView | undefined): string | undefined {
  const v = cur ?? old;
  if (!v) return undefined;
  const name = `${v.metadata.namespace}/${v.metadata.name}`;
  if (!cur) return `${clock(now)}  pvc ${pad(name, 24)} deleted`;
  if (old && old.state === cur.state && old.volume === cur.volume) return undefined;
  return `${clock(now)}  pvc ${pad(name, 24)} ${pad(cur.state, 18)} ${cur.volume ? `volume ${cur.volume}` : ''}`.trimEnd();
}

/** Follow pods and claims in every namespace and print their story. */
export function startProgress(kc: KubeConfig, zone: string, out: Output, log: Logger): { stop(): Promise<void> } {
  const plog = log.child({ component: 'progress' });
  const pods = createInformer<PodView>({ kc, path: '/api/v1/pods', transform: (p) => toPodView(p, zone), log: plog, name: 'progress-pods' });
  const claims = createInformer<ClaimView>({ kc, path: '/api/v1/persistentvolumeclaims', transform: toClaimView, log: plog, name: 'progress-claims' });
  const write = (line: string | undefined): void => { if (line) out.write(`${line}\n`); };
  pods.on('add', (p) => write(podLine(new Date(), p, undefined)));
  pods.on('update', (p, old) => write(podLine(new Date(), p, old)));
  pods.on('delete', (p) => write(podLine(new Date(), undefined, p)));
  claims.on('add', (c) => write(claimLine(new Date(), c, undefined)));
  claims.on('update', (c, old) => write(claimLine(new Date(), c, old)));
  claims.on('delete', (c) => write(claimLine(new Date(), undefined, c)));
  pods.start();
  claims.start();
  return { stop: async () => { await Promise.all([pods.stop(), claims.stop()]); } };
}
