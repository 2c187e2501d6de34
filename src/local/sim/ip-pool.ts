/**
 * @module The simulator's pod IP bookkeeping: pod UID → IP, persisted to `statePath` when
 * given so the same pod keeps its IP across restarts. Callers serialise `assign` (one worker),
 * which is what makes "never hand out an IP another live pod holds" hold.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../../log.ts';
import { allocateIp, cidrContains, parseCidr } from './ip.ts';
import { loadIpState, saveIpState } from './ip-state.ts';

export interface IpPool {
  /** The IP for `pod` on a node with `cidr`, given every pod the API currently holds. */
  assign(pod: V1Pod, cidr: string, pods: readonly V1Pod[]): string | undefined;
  release(uid: string): void;
  /** Forget pods that no longer exist (after a relist). */
  retain(liveUids: ReadonlySet<string>): void;
  /** Wait for pending writes of the state file. */
  flush(): Promise<void>;
}

/** Add the addresses a pod reports (podIP and podIPs); runs for every pod on every assignment. */
function addReported(used: Set<string>, p: V1Pod): void {
  const st = p.status;
  if (st?.podIP) used.add(st.podIP);
  for (const x of st?.podIPs ?? []) if (x.ip) used.add(x.ip);
}

export async function createIpPool(log: Logger, statePath?: string): Promise<IpPool> {
  let ips = new Map<string, string>();
  if (statePath) {
    try {
      ips = await loadIpState(statePath);
    } catch (err) {
      log.warn({ err, statePath }, 'pod IP state unreadable; starting empty');
    }
  }
  let writing: Promise<void> = Promise.resolve();
  let dirty = false;

  function persist(): void {
    if (!statePath || dirty) return;
    dirty = true;
    // Coalesce bursts of changes into one write, chained after the previous one.
    writing = writing.then(async () => {
      dirty = false;
      try {
        await saveIpState(statePath, ips);
      } catch (err) {
        log.warn({ err, statePath }, 'could not save pod IP state');
      }
    });
  }

  function usedBy(pods: readonly V1Pod[], uid: string): Set<string> {
    const used = new Set<string>();
    const live = new Set<string>();
    for (const p of pods) {
      const u = p.metadata?.uid ?? '';
      live.add(u);
      if (u === uid || p.spec?.hostNetwork) continue;
      addReported(used, p);
    }
    for (const [u, ip] of ips) if (u !== uid && live.has(u)) used.add(ip);
    return used;
  }

  return {
    assign(pod, cidr, pods) {
      const uid = pod.metadata?.uid ?? '';
      const range = parseCidr(cidr);
      const reported = pod.status?.podIP;
      // Prefer what the pod already reports, then what we handed out before a restart.
      const preferred = reported && cidrContains(range, reported) ? reported : ips.get(uid);
      const ip = allocateIp(cidr, usedBy(pods, uid), preferred);
      if (ip && ips.get(uid) !== ip) {
        ips.set(uid, ip);
        persist();
      }
      return ip;
    },
    release(uid) {
      if (ips.delete(uid)) persist();
    },
    retain(liveUids) {
      let changed = false;
      for (const uid of [...ips.keys()]) {
        if (!liveUids.has(uid)) changed = ips.delete(uid) || changed;
      }
      if (changed) persist();
    },
    async flush() {
      await writing;
    },
  };
}
