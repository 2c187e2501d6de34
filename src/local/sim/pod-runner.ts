/**
 * @module The kubelet's side of the simulated container runtime: turns a bound pod into the
 * runtime's PodSpec (volumes resolved to directories on this machine, as the kubelet's volume
 * manager mounts them before containers start), starts it, and records an Event for images
 * ordinal only pretends to run. A claim that is not bound yet holds the pod in
 * ContainerCreating, as a real kubelet waits for the volume to attach.
 */
import { join } from 'node:path';
import { CoreV1Api, type V1Container, type V1Pod, type V1Volume } from '@kubernetes/client-node';
import type { Logger } from '../../log.ts';
import { isNotFound } from './kube-io.ts';
import type { Mount } from './runtime/fs.ts';
import type { ContainerRuntime, ContainerSpec, PodSpec } from './runtime/runtime.ts';
import { rfc3339 } from './time.ts';
import { hostPathDir, volumeDir } from './volumes.ts';

export interface PodRunnerOptions {
  core: CoreV1Api;
  runtime: ContainerRuntime;
  /** Where volumes live (hostPath PVs are re-rooted under it, see volumes.ts hostPathDir). */
  dataDir: string;
  log: Logger;
}

/** Why a pod cannot start yet (shown nowhere but the log; the pod stays Pending). */
export class NotReadyToStart extends Error {}

export function podHostname(pod: V1Pod): string {
  return pod.spec?.hostname || pod.metadata?.name || '';
}

function envOf(c: V1Container): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of c.env ?? []) if (e.value !== undefined) out[e.name] = e.value;
  return out;
}

export interface PodRunner {
  /** Start the pod's containers once their volumes are there; true once running. */
  ensure(pod: V1Pod, podIP: string, nodeName: string): Promise<boolean>;
  /** The pod is gone: forget what was remembered about it. */
  forget(uid: string): void;
}

export function createPodRunner(opts: PodRunnerOptions): PodRunner {
  const { core, runtime, dataDir, log } = opts;
  const announced = new Set<string>();
  /** Pods being started, and those of them deleted meanwhile (their sandbox must not outlive them). */
  const inflight = new Set<string>();
  const cancelled = new Set<string>();

  async function claimDir(ns: string, claimName: string): Promise<string> {
    let claim;
    try {
      claim = await core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace: ns });
    } catch (err) {
      if (isNotFound(err)) throw new NotReadyToStart(`persistentvolumeclaim "${claimName}" not found`);
      throw err;
    }
    const pvName = claim.spec?.volumeName;
    if (claim.status?.phase !== 'Bound' || !pvName) throw new NotReadyToStart(`persistentvolumeclaim "${claimName}" is not bound`);
    return volumeDir(await core.readPersistentVolume({ name: pvName }), dataDir);
  }

  async function volumeHostDir(pod: V1Pod, v: V1Volume): Promise<string> {
    const ns = pod.metadata?.namespace ?? '';
    if (v.persistentVolumeClaim) return claimDir(ns, v.persistentVolumeClaim.claimName);
    if (v.hostPath) return hostPathDir(v.hostPath.path, dataDir);
    // emptyDir and every other source: a directory that lives as long as the pod.
    return join(runtime.podDir(pod.metadata?.uid ?? ''), 'volumes', v.name);
  }

  async function specOf(pod: V1Pod, podIP: string): Promise<PodSpec> {
    const dirs = new Map<string, string>();
    for (const v of pod.spec?.volumes ?? []) dirs.set(v.name, await volumeHostDir(pod, v));
    const containers: ContainerSpec[] = (pod.spec?.containers ?? []).map((c) => {
      const mounts: Mount[] = (c.volumeMounts ?? []).flatMap((m) => {
        const dir = dirs.get(m.name);
        return dir ? [{ mountPath: m.mountPath, hostDir: m.subPath ? join(dir, m.subPath) : dir, readOnly: m.readOnly === true }] : [];
      });
      const probes = { startupProbe: c.startupProbe, readinessProbe: c.readinessProbe, livenessProbe: c.livenessProbe };
      const ports = Object.fromEntries((c.ports ?? []).filter((p) => p.name).map((p) => [p.name!, p.containerPort]));
      return { name: c.name, image: c.image ?? '', command: c.command, args: c.args, env: envOf(c), mounts, stdin: c.stdin, stdinOnce: c.stdinOnce, tty: c.tty, probes, ports };
    });
    const m = pod.metadata ?? {};
    return { uid: m.uid ?? '', name: m.name ?? '', namespace: m.namespace ?? '', hostname: podHostname(pod), ip: podIP, restartPolicy: pod.spec?.restartPolicy, containers };
  }

  async function announce(pod: V1Pod, nodeName: string, containers: string[]): Promise<void> {
    const m = pod.metadata ?? {};
    const now = rfc3339(Date.now());
    for (const c of containers) {
      const image = pod.spec?.containers?.find((x) => x.name === c)?.image ?? '';
      await core.createNamespacedEvent({
        namespace: m.namespace ?? '',
        body: {
          metadata: { name: `${m.name ?? ''}.${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`, namespace: m.namespace },
          involvedObject: { apiVersion: 'v1', kind: 'Pod', name: m.name, namespace: m.namespace, uid: m.uid, fieldPath: `spec.containers{${c}}` },
          reason: 'Simulated',
          message: `Image "${image}" is simulated: ordinal runs no process for it and nothing listens on its ports`,
          type: 'Normal',
          source: { component: 'kubelet', host: nodeName },
          firstTimestamp: new Date(now), lastTimestamp: new Date(now), count: 1,
          reportingComponent: 'kubelet', reportingInstance: nodeName,
        },
      });
    }
  }

  async function start(pod: V1Pod, podIP: string): Promise<boolean> {
    try {
      await runtime.ensurePod(await specOf(pod, podIP));
      return true;
    } catch (err) {
      if (!(err instanceof NotReadyToStart)) throw err;
      log.debug({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, why: err.message }, 'waiting for volumes');
      return false;
    }
  }

  async function announceOnce(pod: V1Pod, nodeName: string): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const sb = runtime.sandbox(uid);
    const simulated = [...(sb?.containers.values() ?? [])].filter((c) => c.simulated).map((c) => c.spec.name);
    if (!simulated.length || announced.has(uid)) return;
    announced.add(uid);
    await announce(pod, nodeName, simulated).catch((err: unknown) => log.warn({ err, pod: pod.metadata?.name }, 'could not record the simulated-image event'));
  }

  return {
    async ensure(pod, podIP, nodeName) {
      const uid = pod.metadata?.uid ?? '';
      if (runtime.sandbox(uid)) return true;
      inflight.add(uid);
      let started: boolean;
      try {
        started = await start(pod, podIP);
      } finally {
        inflight.delete(uid);
      }
      if (cancelled.delete(uid)) {
        // Deleted while it was starting: nothing of it may stay behind.
        await runtime.killPod(uid, true);
        return false;
      }
      if (started) await announceOnce(pod, nodeName);
      return started;
    },
    forget(uid) {
      announced.delete(uid);
      if (inflight.has(uid)) cancelled.add(uid);
    },
  };
}
