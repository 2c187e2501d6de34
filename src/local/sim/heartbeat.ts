/**
 * @module The node half of a simulated kubelet: register the Node, then on every heartbeat
 * renew its Lease in kube-node-lease (the NodeLease heartbeat, KEP-589) and post the node
 * status with fresh lastHeartbeatTime.
 */
import { CoordinationV1Api, CoreV1Api, type KubeConfig, type V1Lease, type V1Node } from '@kubernetes/client-node';
import { MERGE_PATCH, isConflict, isNotFound, statusCode } from './kube-io.ts';
import { nodeManifest, nodeStatus } from './node.ts';
import { microTime } from './time.ts';

export const LEASE_NAMESPACE = 'kube-node-lease';
/** kubelet --node-lease-duration-seconds default. */
export const LEASE_DURATION_SECONDS = 40;

export interface NodeApis {
  core: CoreV1Api;
  coord: CoordinationV1Api;
}

export function nodeApis(kc: KubeConfig): NodeApis {
  return { core: kc.makeApiClient(CoreV1Api), coord: kc.makeApiClient(CoordinationV1Api) };
}

/** Create the Node unless it exists; an existing node keeps its spec (podCIDR is immutable). */
export async function registerNode(api: NodeApis, name: string, podCIDR: string): Promise<V1Node> {
  try {
    return await api.core.readNode({ name });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    return await api.core.createNode({ body: nodeManifest(name, podCIDR) });
  } catch (err) {
    if (statusCode(err) !== 409) throw err;
    return await api.core.readNode({ name });
  }
}

export async function postNodeStatus(api: NodeApis, name: string, hostIP: string, node: V1Node | undefined, now: number): Promise<void> {
  await api.core.patchNodeStatus({ name, body: { status: nodeStatus(name, hostIP, node, now) } }, MERGE_PATCH);
}

function leaseBody(name: string, node: V1Node | undefined, now: number, old?: V1Lease): V1Lease {
  const spec = { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(now) as unknown as Date };
  const uid = node?.metadata?.uid;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      ...(old?.metadata ?? {}),
      name,
      namespace: LEASE_NAMESPACE,
      // As the kubelet does: the Lease goes away with its Node.
      ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid }] } : {}),
    },
    spec,
  };
}

async function ensureLeaseNamespace(api: NodeApis): Promise<void> {
  try {
    await api.core.createNamespace({ body: { metadata: { name: LEASE_NAMESPACE } } });
  } catch (err) {
    if (statusCode(err) !== 409) throw err;
  }
}

export async function renewLease(api: NodeApis, name: string, node: V1Node | undefined, now: number): Promise<void> {
  let old: V1Lease | undefined;
  try {
    old = await api.coord.readNamespacedLease({ name, namespace: LEASE_NAMESPACE });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (old) {
    try {
      await api.coord.replaceNamespacedLease({ name, namespace: LEASE_NAMESPACE, body: leaseBody(name, node, now, old) });
    } catch (err) {
      if (!isConflict(err)) throw err; // someone renewed in between; the next beat wins
    }
    return;
  }
  try {
    await api.coord.createNamespacedLease({ namespace: LEASE_NAMESPACE, body: leaseBody(name, node, now) });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await ensureLeaseNamespace(api);
    await api.coord.createNamespacedLease({ namespace: LEASE_NAMESPACE, body: leaseBody(name, node, now) });
  }
}
