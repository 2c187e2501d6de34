/**
 * @module Leader election on a coordination.k8s.io/v1 Lease (client-go leaderelection
 * semantics: lease 15 s, renew deadline 10 s, retry period 2 s). Only the leader reconciles;
 * a leader that cannot renew within the deadline stops acting at once.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.ts';
import { isAlreadyExists, isConflict, isNotFound, paths, type Api } from './rest.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

export const LEASE_DURATION_S = 15;
export const RENEW_DEADLINE_MS = 10_000;
export const RETRY_PERIOD_MS = 2_000;

export type LeaseDecision =
  | { kind: 'create'; spec: LeaseSpec }
  | { kind: 'update'; spec: LeaseSpec; acquired: boolean }
  | { kind: 'wait'; holder: string };

const micro = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

/** May `me` take or renew this lease at `now`? Expired or released leases may be taken. */
export function decideLease(lease: Lease | undefined, me: string, now: number): LeaseDecision {
  const fresh: LeaseSpec = { holderIdentity: me, leaseDurationSeconds: LEASE_DURATION_S, acquireTime: micro(now), renewTime: micro(now) };
  if (!lease) return { kind: 'create', spec: { ...fresh, leaseTransitions: 0 } };
  const spec = lease.spec ?? {};
  const holder = spec.holderIdentity ?? '';
  if (holder === me) return { kind: 'update', spec: { ...spec, renewTime: micro(now) }, acquired: false };
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  const durationMs = (spec.leaseDurationSeconds ?? LEASE_DURATION_S) * 1000;
  const expired = holder === '' || Number.isNaN(renewed) || renewed + durationMs <= now;
  if (!expired) return { kind: 'wait', holder };
  return { kind: 'update', spec: { ...fresh, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }, acquired: true };
}

export function leaderIdentity(): string {
  return `${os.hostname()}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export interface LeaderOptions {
  api: Api;
  namespace: string;
  name: string;
  identity?: string;
  log: Logger;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  retryMs?: number;
  renewDeadlineMs?: number;
}

export interface LeaderElector {
  isLeader(): boolean;
  readonly identity: string;
  /** Stop campaigning; a leader releases the lease so a peer can take over at once. */
  stop(): Promise<void>;
}

export function startLeaderElection(opts: LeaderOptions): LeaderElector {
  const log = opts.log.child({ component: 'leader', lease: `${opts.namespace}/${opts.name}` });
  const identity = opts.identity ?? leaderIdentity();
  const retryMs = opts.retryMs ?? RETRY_PERIOD_MS;
  const deadlineMs = opts.renewDeadlineMs ?? RENEW_DEADLINE_MS;
  let leading = false;
  let lastRenew = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const lose = (why: string) => {
    if (!leading) return;
    leading = false;
    log.warn({ why }, 'lost leadership');
    opts.onStoppedLeading();
  };

  async function attempt(): Promise<void> {
    let lease: Lease | undefined;
    try {
      lease = await opts.api.get<Lease>(paths.lease(opts.namespace, opts.name));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const d = decideLease(lease, identity, Date.now());
    if (d.kind === 'wait') return lose(`held by ${d.holder}`);
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...lease?.metadata, name: opts.name, namespace: opts.namespace }, spec: d.spec };
    if (d.kind === 'create') await opts.api.create(paths.leases(opts.namespace), body);
    else await opts.api.replace(paths.lease(opts.namespace, opts.name), body);
    lastRenew = Date.now();
    if (!leading) {
      leading = true;
      log.info({ identity }, 'became leader');
      opts.onStartedLeading();
    }
  }

  const tick = () => {
    running = attempt().catch((err: unknown) => {
      if (!isConflict(err) && !isAlreadyExists(err)) log.warn({ err }, 'lease attempt failed');
    }).finally(() => {
      if (leading && Date.now() - lastRenew > deadlineMs) lose('renew deadline exceeded');
      if (!stopped) timer = setTimeout(tick, retryMs);
    });
  };
  tick();

  return {
    identity,
    isLeader: () => leading,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      if (!leading) return;
      lose('stopped');
      try {
        const lease = await opts.api.get<Lease>(paths.lease(opts.namespace, opts.name));
        if (lease.spec?.holderIdentity !== identity) return;
        await opts.api.replace(paths.lease(opts.namespace, opts.name), { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } });
      } catch (err) {
        log.warn({ err }, 'lease release failed');
      }
    },
  };
}
