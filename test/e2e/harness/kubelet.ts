/**
 * @module What a kubelet would do, by hand: nothing runs pods on the test control plane, so
 * suites create a Node and write pod status through the status subresource themselves.
 * Field choice follows kwok's pod-ready stage (control-plane.md §4.4–4.5): `podIPs` matters,
 * the EndpointSlice controller reads it rather than `podIP`.
 */
import type { CoreV1Api, V1Node, V1Pod, V1PodStatus } from '@kubernetes/client-node';

export const TEST_NODE = 'node-0';
const HOST_IP = '192.0.2.10';

/** Status of a started pod; `ready` drives the Ready/ContainersReady conditions. Pure. */
export function runningStatus(pod: V1Pod, ip: string, ready: boolean, now = new Date()): V1PodStatus {
  const cond = (type: string, ok: boolean) => ({ type, status: ok ? 'True' : 'False', lastTransitionTime: now });
  return {
    phase: 'Running',
    hostIP: HOST_IP,
    hostIPs: [{ ip: HOST_IP }],
    podIP: ip,
    podIPs: [{ ip }],
    startTime: now,
    conditions: [cond('PodScheduled', true), cond('Initialized', true), cond('ContainersReady', ready), cond('Ready', ready)],
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready,
      restartCount: 0,
      started: true,
      state: { running: { startedAt: now } },
    })),
  };
}

/** Create the Node pods are bound to (the EndpointSlice controller skips pods whose Node is missing). */
export async function ensureNode(core: CoreV1Api, name = TEST_NODE): Promise<V1Node> {
  try {
    return await core.createNode({ body: { metadata: { name, labels: { 'kubernetes.io/hostname': name } } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    return core.readNode({ name });
  }
}

/** Mark a bound pod Running with the given IP and readiness, as the kubelet's status manager does. */
export async function setPodStatus(core: CoreV1Api, namespace: string, name: string, ip: string, ready: boolean): Promise<V1Pod> {
  const pod = await core.readNamespacedPod({ namespace, name });
  return core.replaceNamespacedPodStatus({ namespace, name, body: { ...pod, status: runningStatus(pod, ip, ready) } });
}
