/**
 * @module Node-lifecycle controller (after pkg/controller/nodelifecycle): every monitor period
 * it checks each node's last heartbeat; past the grace period the node's conditions become
 * Unknown, it gets the `node.kubernetes.io/unreachable` NoExecute taint, and its pods are marked
 * not Ready and Unknown, with reason NodeLost once deleted (Kubernetes in Action §10.5:
 * `nodeLostPodStatus`). It never deletes a pod of a lost
 * node: such a pod stays Terminating until the kubelet returns, someone force-deletes it, or
 * the Node object is deleted (then podgc's orphan rule, which this controller also runs, does).
 */
import { CoreV1Api, type KubeConfig, type V1Lease, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../../log.ts';
import { LEASE_NAMESPACE } from './heartbeat.ts';
import type { Stoppable } from './kubelet.ts';
import { MERGE_PATCH, ignoreNotFound, informer, waitSynced } from './kube-io.ts';
import { orphanedPods } from './podgc.ts';
import { nodeHealth, nodeLostPodStatus, readyCondition, reconcileTaints, unknownConditions } from './node.ts';

export interface NodeLifecycleOptions {
  /** kube-controller-manager --node-monitor-grace-period (40 s upstream). */
  gracePeriodMs?: number;
  /** --node-monitor-period (5 s upstream); defaults to min(5 s, grace / 4). */
  monitorPeriodMs?: number;
  log: Logger;
}

export async function startNodeLifecycle(kc: KubeConfig, opts: NodeLifecycleOptions): Promise<Stoppable> {
  const log = opts.log.child({ component: 'node-lifecycle' });
  const graceMs = opts.gracePeriodMs ?? 40_000;
  const periodMs = opts.monitorPeriodMs ?? Math.max(50, Math.min(5000, graceMs / 4));
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = informer<V1Node>(kc, log, 'lifecycle-nodes', '/api/v1/nodes');
  const leases = informer<V1Lease>(kc, log, 'lifecycle-leases', `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`);
  const pods = informer<V1Pod>(kc, log, 'lifecycle-pods', '/api/v1/pods');
  let running: Promise<void> | undefined;

  async function markUnknown(node: V1Node, now: number): Promise<void> {
    const name = node.metadata?.name ?? '';
    if (readyCondition(node)?.status !== 'Unknown') {
      log.warn({ node: name, graceMs }, 'node stopped posting status: Unknown');
      await core.patchNodeStatus({ name, body: { status: { conditions: unknownConditions(node, now) } } }, MERGE_PATCH);
    }
    for (const pod of pods.list()) {
      if (pod.spec?.nodeName === name) await markPodLost(pod, name, now);
    }
  }

  async function markPodLost(pod: V1Pod, node: string, now: number): Promise<void> {
    const status = nodeLostPodStatus(pod, node, now);
    if (!status) return;
    const { name = '', namespace = '' } = pod.metadata ?? {};
    await ignoreNotFound(() => core.patchNamespacedPodStatus({ name, namespace, body: { status } }, MERGE_PATCH));
  }

  // A pod deleted while its node is lost gets its NodeLost reason at once, not a period later.
  pods.on('update', (pod) => {
    const node = pod.spec?.nodeName;
    if (!pod.metadata?.deletionTimestamp || !node) return;
    const n = nodes.get(node);
    if (n && readyCondition(n)?.status === 'Unknown') {
      markPodLost(pod, node, Date.now()).catch((err: unknown) => log.warn({ err, pod: pod.metadata?.name }, 'marking a lost pod failed; retrying next period'));
    }
  });

  let missingSince = new Map<string, number>();

  /** Pods on deleted Nodes go after a quarantine of one grace period (podgc's orphan rule). */
  async function collectOrphans(now: number): Promise<void> {
    const names = new Set(nodes.list().map((n) => n.metadata?.name ?? ''));
    const out = orphanedPods(pods.list(), (n) => names.has(n), missingSince, now, graceMs);
    missingSince = out.missingSince;
    for (const pod of out.remove) {
      const { name = '', namespace = '', uid = '' } = pod.metadata ?? {};
      log.info({ pod: `${namespace}/${name}`, node: pod.spec?.nodeName }, 'deleting pod of a deleted node');
      await ignoreNotFound(() => core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, preconditions: { uid } } }));
    }
  }

  async function monitor(): Promise<void> {
    const now = Date.now();
    try {
      await collectOrphans(now);
    } catch (err) {
      log.warn({ err }, 'orphan pod collection failed; retrying next period');
    }
    for (const node of nodes.list()) {
      const name = node.metadata?.name ?? '';
      try {
        const health = nodeHealth(node, leases.get(`${LEASE_NAMESPACE}/${name}`), now, graceMs);
        if (health === 'unknown') await markUnknown(node, now);
        const taints = reconcileTaints(node, health, now);
        if (taints) await core.patchNode({ name, body: { spec: { taints } } }, MERGE_PATCH);
      } catch (err) {
        log.warn({ err, node: name }, 'node monitor pass failed; retrying next period');
      }
    }
  }

  nodes.start();
  leases.start();
  pods.start();
  await waitSynced([nodes, leases, pods]);
  const timer = setInterval(() => {
    // One pass at a time: a slow API must not stack passes up.
    if (!running) running = monitor().finally(() => (running = undefined));
  }, periodMs);
  log.info({ graceMs, periodMs }, 'node lifecycle controller running');

  return {
    async stop() {
      clearInterval(timer);
      await running;
      await Promise.all([nodes.stop(), leases.stop(), pods.stop()]);
    },
  };
}
