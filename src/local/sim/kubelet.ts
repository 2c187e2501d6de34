/**
 * @module Simulated kubelets (in the manner of kwok) for a set of named nodes, plus the
 * scheduler stand-in. Everything goes through the Kubernetes API: the Node objects and their
 * heartbeats, binding pending pods, reporting pod status with an IP from the node's pod CIDR,
 * readiness after a delay (held back by the `sim.ordinal.dev/ready=false` annotation), and
 * finishing graceful deletions. A node annotated `sim.ordinal.dev/lost=true` goes silent.
 */
import { CoreV1Api, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { kubeApi, paths } from '../../controller/rest.ts';
import { objectKey } from '../../kube/informer.ts';
import { createWorkQueue } from '../../kube/workqueue.ts';
import type { Logger } from '../../log.ts';
import { nodeApis, postNodeStatus, registerNode, renewLease } from './heartbeat.ts';
import { formatIPv4, nodePodCidr, parseIPv4 } from './ip.ts';
import { createIpPool } from './ip-pool.ts';
import { ignoreNotFound, informer, isConflict, waitSynced } from './kube-io.ts';
import { allocatablePods, isLost, isNodeReady, nodeLoad, pickNode, type NodeCandidate } from './node.ts';
import { createPodRunner } from './pod-runner.ts';
import { kubeletAction, type KubeletAction } from './pod-status.ts';
import type { ContainerRuntime } from './runtime/runtime.ts';
import { podFitsNode } from './scheduling.ts';

export interface SimNodesOptions {
  nodes: string[];
  /** Cluster pod CIDR; node i gets the i-th /24 of it. */
  podCIDR?: string;
  readyDelayMs?: number;
  heartbeatMs?: number;
  /** Upper bound of the simulated container shutdown on graceful deletion. */
  shutdownMs?: number;
  /** Node addresses: node i gets the (i+2)-th address of this range. */
  nodeIPRange?: string;
  log: Logger;
  ipStatePath?: string;
  /**
   * Run the pods' containers for real (src/local/sim/runtime); without it pods only report
   * a status. Volumes are resolved under `dataDir` (a temp dir when unset).
   */
  runtime?: ContainerRuntime;
  dataDir?: string;
}

const podPath = (namespace: string, name: string): string => paths.pod(encodeURIComponent(namespace), encodeURIComponent(name));

export interface Stoppable {
  stop(): Promise<void>;
}

interface SimNode {
  name: string;
  cidr: string;
  hostIP: string;
}

/** Node names must be unique DNS-1123 subdomains (what the API would reject anyway, said early). */
export function validateNodeNames(nodes: readonly string[]): void {
  if (nodes.length === 0) throw new Error('startSimNodes: at least one node name is required');
  const seen = new Set<string>();
  for (const n of nodes) {
    if (n.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(n)) {
      throw new Error(`startSimNodes: invalid node name "${n}" (lower-case letters, digits, '-' and '.')`);
    }
    if (seen.has(n)) throw new Error(`startSimNodes: node "${n}" listed twice`);
    seen.add(n);
  }
}

export async function startSimNodes(kc: KubeConfig, opts: SimNodesOptions): Promise<Stoppable> {
  const log = opts.log.child({ component: 'sim-kubelet' });
  validateNodeNames(opts.nodes);
  const podCIDR = opts.podCIDR ?? '10.244.0.0/16';
  const nodeRange = parseIPv4((opts.nodeIPRange ?? '172.18.0.0/16').split('/')[0] ?? '');
  const sims = new Map<string, SimNode>(opts.nodes.map((name, i) => [name, { name, cidr: nodePodCidr(podCIDR, i), hostIP: formatIPv4(nodeRange + i + 2) }]));
  const readyDelayMs = opts.readyDelayMs ?? 1000;
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const shutdownMs = opts.shutdownMs ?? 1000;
  const api = nodeApis(kc);
  const core = kc.makeApiClient(CoreV1Api);
  // The per-pod writes (binding, status, final delete) go through the plain JSON client:
  // client-node's typed clients cost several times more CPU per request (fetch, serializer).
  const rest = kubeApi(kc);
  const pool = await createIpPool(log, opts.ipStatePath);

  for (const s of sims.values()) await registerNode(api, s.name, s.cidr);
  const runtime = opts.runtime;
  const runner = runtime ? createPodRunner({ core, runtime, dataDir: opts.dataDir ?? runtime.rootDir, log }) : undefined;
  /** Pod UID → key, so a container's state change re-queues its pod. */
  const keyOfUid = new Map<string, string>();
  runtime?.onChange((uid) => {
    const key = keyOfUid.get(uid);
    if (key) queue.add(key);
  });

  const nodes = informer<V1Node>(kc, log, 'sim-nodes', '/api/v1/nodes');
  const pods = informer<V1Pod>(kc, log, 'sim-pods', '/api/v1/pods');
  const queue = createWorkQueue({ log, name: 'sim-kubelet', maxDelayMs: 5000 });
  const wasLost = new Map<string, boolean>();
  /** Pod UID → when this kubelet started it (see KubeletContext.startedAt). */
  const startedAt = new Map<string, number>();
  const deletionSeenAt = new Map<string, number>();
  /** Pod UID → node it was just bound to, until the informer shows the binding. */
  const assumed = new Map<string, string>();
  // Pods no node could take (uid -> key): a deletion may make room, so it re-queues them.
  const unschedulable = new Map<string, string>();

  /** Heartbeats in flight, per node: a slow API must not stack beats up, and stop() waits. */
  const beating = new Map<string, Promise<void>>();
  let stopped = false;

  async function beatOnce(s: SimNode): Promise<void> {
    const node = nodes.get(s.name);
    if (isLost(node) || stopped) return;
    try {
      await renewLease(api, s.name, node, Date.now());
      await postNodeStatus(api, s.name, s.hostIP, node, Date.now());
    } catch (err) {
      log.warn({ err, node: s.name }, 'heartbeat failed');
    }
  }

  function beat(s: SimNode): Promise<void> {
    const running = beating.get(s.name);
    if (running) return running;
    const p = beatOnce(s).finally(() => beating.delete(s.name));
    beating.set(s.name, p);
    return p;
  }

  function enqueueNodePods(nodeName: string): void {
    for (const p of pods.list()) if (p.spec?.nodeName === nodeName || !p.spec?.nodeName) queue.add(objectKey(p));
  }

  function onNode(n: V1Node): void {
    const name = n.metadata?.name ?? '';
    const s = sims.get(name);
    if (!s) return;
    const lost = isLost(n);
    const before = wasLost.get(name);
    wasLost.set(name, lost);
    if (before === true && !lost) {
      log.info({ node: name }, 'node back: heartbeats resume');
      void beat(s);
    }
    // Readiness or loss changed where pods may be waiting: unscheduled ones and this node's.
    if (before !== lost || !isNodeReady(n)) enqueueNodePods(name);
    else for (const p of pods.list()) if (!p.spec?.nodeName) queue.add(objectKey(p));
  }

  nodes.on('add', onNode);
  nodes.on('update', onNode);
  pods.on('add', (p) => {
    keyOfUid.set(p.metadata?.uid ?? '', objectKey(p));
    queue.add(objectKey(p));
  });
  pods.on('update', (p) => {
    keyOfUid.set(p.metadata?.uid ?? '', objectKey(p));
    if (p.spec?.nodeName) assumed.delete(p.metadata?.uid ?? '');
    queue.add(objectKey(p));
  });
  pods.on('delete', (p) => {
    const uid = p.metadata?.uid ?? '';
    // Gone from the API (finished, or force-deleted): stop its containers and drop its files.
    if (runtime && runner) {
      runner.forget(uid);
      runtime.killPod(uid, true).catch((err: unknown) => log.warn({ err, pod: objectKey(p) }, 'stopping the containers of a deleted pod failed'));
    }
    for (const m of [keyOfUid, startedAt, deletionSeenAt, assumed, unschedulable]) m.delete(uid);
    pool.release(uid);
    for (const key of unschedulable.values()) queue.add(key);
  });

  /** The scheduler stand-in's view of each simulated node for this pod. */
  function candidatesFor(pod: V1Pod): NodeCandidate[] {
    return [...sims.keys()].map((name) => {
      const n = nodes.get(name);
      return { name, ready: isNodeReady(n), lost: isLost(n), unschedulable: n?.spec?.unschedulable === true, fits: podFitsNode(pod, n), maxPods: allocatablePods(n) };
    });
  }

  async function bind(pod: V1Pod): Promise<void> {
    const { name = '', namespace = '', uid = '' } = pod.metadata ?? {};
    const candidates = candidatesFor(pod);
    // Like the scheduler's assume cache: pods bound a moment ago count on their node even
    // while the informer still shows them unbound.
    const view = pods.list().map((p) => {
      const assumedNode = assumed.get(p.metadata?.uid ?? '');
      return !p.spec?.nodeName && assumedNode ? { ...p, spec: { ...p.spec, containers: [], nodeName: assumedNode } } : p;
    });
    const target = pickNode(candidates, nodeLoad(view));
    if (!target) {
      // Stays Pending, as with kube-scheduler; re-queued by the next node or pod event.
      if (!unschedulable.has(uid)) log.info({ pod: objectKey(pod), nodes: candidates.length }, 'no node fits the pod (ready, schedulable, selector, taints, allocatable pods)');
      unschedulable.set(uid, objectKey(pod));
      return;
    }
    unschedulable.delete(uid);
    assumed.set(uid, target); // before the await: concurrent workers must see it
    try {
      await rest.create(`${podPath(namespace, name)}/binding`, {
        apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, uid }, target: { apiVersion: 'v1', kind: 'Node', name: target },
      });
    } catch (err) {
      assumed.delete(uid);
      if (!isConflict(err)) throw err; // already bound by someone else: the update event tells us
    }
  }

  function schedulable(pod: V1Pod): boolean {
    const scheduler = pod.spec?.schedulerName ?? 'default-scheduler';
    return scheduler === 'default-scheduler' && !pod.metadata?.deletionTimestamp && (pod.spec?.schedulingGates ?? []).length === 0;
  }

  /** The kubelet's view of one of its pods: IP, clocks it remembers, then the decision. */
  function decide(pod: V1Pod, s: SimNode, podIP: string): KubeletAction {
    const now = Date.now();
    const uid = pod.metadata?.uid ?? '';
    if (!startedAt.has(uid) && pod.status?.phase !== 'Running') startedAt.set(uid, now);
    if (!deletionSeenAt.has(uid) && pod.metadata?.deletionTimestamp) deletionSeenAt.set(uid, now);
    const containers = runtime?.sandbox(uid)?.containers;
    return kubeletAction(pod, { hostIP: s.hostIP, podIP, now, readyDelayMs, shutdownMs, startedAt: startedAt.get(uid), deletionSeenAt: deletionSeenAt.get(uid), ...(containers ? { runtime: containers } : {}) });
  }

  async function execute(key: string, pod: V1Pod, action: KubeletAction): Promise<void> {
    const { name = '', namespace = '' } = pod.metadata ?? {};
    if (action.kind === 'delete') {
      // The kubelet's final delete: grace 0, guarded by the UID so a same-named successor survives.
      const body = { gracePeriodSeconds: 0, preconditions: { uid: action.uid } };
      await ignoreNotFound(() => rest.remove(podPath(namespace, name), body));
      return;
    }
    if (action.kind === 'status') {
      await ignoreNotFound(() => rest.mergePatch(`${podPath(namespace, name)}/status`, { status: action.status }));
    }
    if (action.recheckMs !== undefined) queue.addAfter(key, Math.max(action.recheckMs, 1));
  }

  async function sync(key: string): Promise<void> {
    const pod = pods.get(key);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName) {
      if (pod && schedulable(pod)) await bind(pod);
      return;
    }
    const s = sims.get(nodeName);
    if (!s || isLost(nodes.get(nodeName))) return; // not ours, or our node is silent
    const podIP = pod.spec?.hostNetwork ? s.hostIP : pool.assign(pod, s.cidr, pods.list());
    if (!podIP) {
      log.warn({ key, cidr: s.cidr }, 'pod CIDR exhausted');
      return;
    }
    if (runner && !(await runContainers(key, pod, podIP, s))) return;
    await execute(key, pod, decide(pod, s, podIP));
  }

  /**
   * The runtime's part of a sync: containers start before the pod reports Running (false:
   * not yet, retried shortly) and get SIGTERM as soon as a graceful deletion begins.
   */
  async function runContainers(key: string, pod: V1Pod, podIP: string, s: SimNode): Promise<boolean> {
    const uid = pod.metadata?.uid ?? '';
    if (pod.metadata?.deletionTimestamp) {
      await runtime?.killPod(uid, false);
      return true;
    }
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return true;
    if (await runner?.ensure(pod, podIP, s.name)) return true;
    queue.addAfter(key, 200);
    return false;
  }

  nodes.start();
  pods.start();
  await waitSynced([nodes, pods]);
  pool.retain(new Set(pods.list().map((p) => p.metadata?.uid ?? '')));
  for (const s of sims.values()) {
    wasLost.set(s.name, isLost(nodes.get(s.name)));
    await beat(s);
  }
  // Workers may overlap: IP assignment is synchronous and bindings are assumed before any
  // await, so no two pods can get the same IP or overshoot a node's share.
  queue.start(sync, 4);
  const timer = setInterval(() => {
    for (const s of sims.values()) void beat(s);
  }, heartbeatMs);
  log.info({ nodes: opts.nodes, podCIDR }, 'simulated nodes running');

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all(beating.values());
      await queue.shutdown();
      await Promise.all([nodes.stop(), pods.stop()]);
      await pool.flush();
    },
  };
}
