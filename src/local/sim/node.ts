/**
 * @module Pure decisions about Node objects: what a simulated kubelet registers and reports,
 * which node the scheduler stand-in binds a pod to, and how the node-lifecycle controller judges
 * a node's health from its heartbeats (Lease renewTime and the Ready condition's
 * lastHeartbeatTime, as pkg/controller/nodelifecycle does with its probe timestamps).
 */
import type { V1Lease, V1Node, V1NodeCondition, V1Pod, V1Taint } from '@kubernetes/client-node';
import { rfc3339, toMs } from './time.ts';

/** `kubectl annotate node x sim.ordinal.dev/lost=true` silences that node's simulated kubelet. */
export const LOST_ANNOTATION = 'sim.ordinal.dev/lost';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const KUBELET_VERSION = 'v1.36.0';

export const NODE_CONDITIONS = [
  ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
  ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
] as const;

export function isLost(node: V1Node | undefined): boolean {
  return node?.metadata?.annotations?.[LOST_ANNOTATION] === 'true';
}

export function readyCondition(node: V1Node | undefined): V1NodeCondition | undefined {
  return node?.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isNodeReady(node: V1Node | undefined): boolean {
  return readyCondition(node)?.status === 'True';
}

/** The Node a simulated kubelet registers (metadata and spec; status is reported separately). */
export function nodeManifest(name: string, podCIDR: string): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.ordinal.dev/simulated': 'true',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { podCIDR, podCIDRs: [podCIDR] },
  };
}

/** The node status a live kubelet reports on each heartbeat. */
export function nodeStatus(name: string, hostIP: string, old: V1Node | undefined, now: number): Record<string, unknown> {
  const resources = { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  const prev = old?.status?.conditions ?? [];
  const conditions = NODE_CONDITIONS.map(([type, status, reason, message]) => {
    const was = prev.find((c) => c.type === type);
    const since = was?.status === status ? toMs(was.lastTransitionTime) : undefined;
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: rfc3339(now),
      lastTransitionTime: rfc3339(since ?? now),
    };
  });
  return {
    capacity: resources,
    allocatable: resources,
    conditions,
    addresses: [
      { type: 'InternalIP', address: hostIP },
      { type: 'Hostname', address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: `sim-${name}`,
      systemUUID: `sim-${name}`,
      bootID: `sim-${name}`,
      kernelVersion: '6.1.0-sim',
      osImage: 'ordinal simulated node',
      containerRuntimeVersion: 'sim://1.0.0',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
    phase: 'Running',
  };
}

/** The last time the node's kubelet was heard from: the later of its Lease and its status. */
export function lastHeartbeat(node: V1Node, lease: V1Lease | undefined): number | undefined {
  const a = toMs(lease?.spec?.renewTime as Date | string | undefined);
  const b = toMs(readyCondition(node)?.lastHeartbeatTime);
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

export type NodeHealth = 'healthy' | 'unknown';

/**
 * A node is unknown once no heartbeat arrived for longer than the grace period
 * (kube-controller-manager --node-monitor-grace-period, 40 s upstream). A node that never
 * posted anything counts from its creation time.
 */
export function nodeHealth(node: V1Node, lease: V1Lease | undefined, now: number, graceMs: number): NodeHealth {
  const seen = lastHeartbeat(node, lease) ?? toMs(node.metadata?.creationTimestamp) ?? now;
  return now - seen > graceMs ? 'unknown' : 'healthy';
}

/** Status conditions of a node whose kubelet went silent: every condition becomes Unknown. */
export function unknownConditions(node: V1Node, now: number): Record<string, unknown>[] {
  const prev = node.status?.conditions ?? [];
  // A node whose kubelet never posted gets upstream's "never updated" wording.
  const never = prev.length === 0;
  const types = never ? NODE_CONDITIONS.map(([type]) => type) : prev.map((c) => c.type);
  return types.map((type) => {
    const was = prev.find((c) => c.type === type);
    return {
      type,
      status: 'Unknown',
      reason: never ? 'NodeStatusNeverUpdated' : 'NodeStatusUnknown',
      message: never ? 'Kubelet never posted node status.' : 'Kubelet stopped posting node status.',
      lastHeartbeatTime: was?.lastHeartbeatTime ?? null,
      lastTransitionTime: was?.status === 'Unknown' ? was.lastTransitionTime : rfc3339(now),
    };
  });
}

export type TaintOut = V1Taint | { key: string; effect: string; timeAdded: string };

/** Taints with the unreachable NoExecute taint added (unknown) or removed (healthy); undefined = no change. */
export function reconcileTaints(node: V1Node, health: NodeHealth, now: number): TaintOut[] | undefined {
  const taints: TaintOut[] = node.spec?.taints ?? [];
  const has = taints.some((t) => t.key === UNREACHABLE_TAINT);
  if (health === 'unknown' && !has) {
    return [...taints, { key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: rfc3339(now) }];
  }
  if (health === 'healthy' && has && isNodeReady(node)) return taints.filter((t) => t.key !== UNREACHABLE_TAINT);
  return undefined;
}

export interface NodeCandidate {
  readonly name: string;
  readonly ready: boolean;
  readonly lost: boolean;
  readonly unschedulable: boolean;
  /** The pod's nodeSelector and tolerations admit this node (scheduling.ts); default true. */
  readonly fits?: boolean;
  /** `status.allocatable.pods` (kubelet --max-pods, 110 by default); unset means no limit. */
  readonly maxPods?: number;
}

/** A node's allocatable pod count (the scheduler's NodeResourcesFit "Too many pods" check). */
export function allocatablePods(node: V1Node | undefined): number | undefined {
  const v = Number.parseInt(String(node?.status?.allocatable?.pods ?? ''), 10);
  return Number.isFinite(v) ? v : undefined;
}

/** Ready, schedulable, not lost, admitted by the pod's selector and taints, and not full. */
function usable(n: NodeCandidate, load: number): boolean {
  return n.ready && !n.lost && !n.unschedulable && n.fits !== false && (n.maxPods === undefined || load < n.maxPods);
}

/** The scheduler stand-in: least-loaded Ready, schedulable, not-lost node with room; ties by name. */
export function pickNode(nodes: readonly NodeCandidate[], load: ReadonlyMap<string, number>): string | undefined {
  let best: NodeCandidate | undefined;
  for (const n of nodes) {
    const l = load.get(n.name) ?? 0;
    if (!usable(n, l)) continue;
    const bl = best ? (load.get(best.name) ?? 0) : Infinity;
    if (l < bl || (l === bl && best !== undefined && n.name < best.name)) best = n;
  }
  return best?.name;
}

/** Pods counted towards a node's load: bound there and not finished. */
export function nodeLoad(pods: readonly V1Pod[]): Map<string, number> {
  const load = new Map<string, number>();
  for (const p of pods) {
    const n = p.spec?.nodeName;
    if (!n || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    load.set(n, (load.get(n) ?? 0) + 1);
  }
  return load;
}

/**
 * Status the node-lifecycle controller writes on a pod of an unresponsive node (book §10.5):
 * not Ready, phase Unknown (nobody can vouch for it), and once the pod is being deleted the
 * NodeLost reason. kubectl's printer shows the phase, "Unknown", until the deletion, and then
 * "Unknown" again because of the reason (printPod: deletionTimestamp + NodeLost), where a plain
 * pod would read "Terminating"; `kubectl describe` shows the message throughout.
 */
export function nodeLostPodStatus(pod: V1Pod, nodeName: string, now: number): Record<string, unknown> | undefined {
  const st = pod.status ?? {};
  const conditions = st.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const reason = pod.metadata?.deletionTimestamp ? NODE_LOST : undefined;
  if (isMarkedLost(st.phase, ready?.status, st.reason, reason) || st.phase === 'Succeeded' || st.phase === 'Failed') return undefined;
  const others = conditions.filter((c) => c.type !== 'Ready');
  return {
    phase: 'Unknown',
    // A merge-patch null removes the field: no reason until the pod is being deleted.
    reason: reason ?? null,
    message: `Node ${nodeName} which was running pod ${pod.metadata?.name ?? ''} is unresponsive`,
    conditions: [
      ...others,
      {
        type: 'Ready',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: ready?.status === 'False' ? ready.lastTransitionTime : rfc3339(now),
      },
    ],
  };
}

function isMarkedLost(phase: string | undefined, ready: string | undefined, reason: string | undefined, want: string | undefined): boolean {
  return phase === 'Unknown' && ready === 'False' && reason === want;
}

/** The pod status reason for a pod of an unreachable node (k8s.io/kubernetes pkg/util/node). */
export const NODE_LOST = 'NodeLost';
