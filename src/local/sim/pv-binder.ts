/**
 * @module The PV binder shell: informers on PersistentVolumes and claims feed one queue key;
 * `sync` runs the pure plan over both caches and executes its ops in order. Spec writes
 * (claimRef, volumeName) are PUTs carrying the cached resourceVersion, so a stale cache gets a
 * 409 and a retry instead of a double binding (as pv_controller.go uses Update).
 */
import { rm, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type KubeConfig, type V1PersistentVolume, type V1PersistentVolumeClaim, type V1Pod } from '@kubernetes/client-node';
import { kubeApi, paths } from '../../controller/rest.ts';
import { createWorkQueue } from '../../kube/workqueue.ts';
import type { Logger } from '../../log.ts';
import type { Stoppable } from './kubelet.ts';
import { ignoreNotFound, informer, waitSynced } from './kube-io.ts';
import { planVolumes, type VolumeOp } from './volume-plan.ts';
import { BIND_COMPLETED, BOUND_BY_CONTROLLER } from './volumes.ts';

export interface PvBinderOptions {
  log: Logger;
  /** Where provisioned volumes live. Without it they get a fake path and nothing touches disk. */
  dataDir?: string;
}

const FAKE_DATA_DIR = '/var/lib/ordinal/volumes';
const KEY = 'volumes';

export async function startPvBinder(kc: KubeConfig, opts: PvBinderOptions): Promise<Stoppable> {
  const log = opts.log.child({ component: 'pv-binder' });
  // Plain JSON requests: client-node's typed clients cost several times more CPU per request.
  const rest = kubeApi(kc);
  const pvPath = (name: string): string => `/api/v1/persistentvolumes/${encodeURIComponent(name)}`;
  const claimPath = (namespace: string, name: string): string => paths.claim(encodeURIComponent(namespace), encodeURIComponent(name));
  const dataDir = opts.dataDir ?? FAKE_DATA_DIR;
  const touchDisk = opts.dataDir !== undefined;
  const pvs = informer<V1PersistentVolume>(kc, log, 'pv', '/api/v1/persistentvolumes');
  const claims = informer<V1PersistentVolumeClaim>(kc, log, 'pvc', '/api/v1/persistentvolumeclaims');
  const pods = informer<V1Pod>(kc, log, 'pv-pods', '/api/v1/pods');
  const queue = createWorkQueue({ log, name: 'pv-binder', maxDelayMs: 5000 });
  const kick = (): void => queue.add(KEY);
  for (const ev of ['add', 'update', 'delete'] as const) {
    pvs.on(ev, kick);
    claims.on(ev, kick);
  }
  // Only pods that mount claims matter (they hold a claim's protection finalizer).
  const podKick = (p: V1Pod): void => {
    if (p.spec?.volumes?.some((v) => v.persistentVolumeClaim)) kick();
  };
  pods.on('update', podKick);
  pods.on('delete', podKick);

  async function scrub(path: string): Promise<void> {
    // The recycler's "rm -rf /scrub/*": empty the directory, keep it.
    let entries: string[] = [];
    try {
      entries = await readdir(path);
    } catch {
      return;
    }
    await Promise.all(entries.map((e) => rm(join(path, e), { recursive: true, force: true })));
  }

  /** PUT with the cached resourceVersion: a list element cannot be removed by merge patch. */
  async function dropFinalizer(kind: 'pv' | 'pvc', namespace: string, name: string, finalizer: string): Promise<void> {
    const obj = kind === 'pv' ? pvs.get(name) : claims.get(`${namespace}/${name}`);
    if (!obj) return;
    const metadata = { ...obj.metadata, finalizers: (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer) };
    if (kind === 'pv') await rest.replace(pvPath(name), { ...(obj as V1PersistentVolume), metadata });
    else await rest.replace(claimPath(namespace, name), { ...(obj as V1PersistentVolumeClaim), metadata });
  }

  async function setClaimRef(op: Extract<VolumeOp, { op: 'pvClaimRef' }>): Promise<void> {
    const pv = pvs.get(op.pv);
    if (!pv) return;
    const body: V1PersistentVolume = { ...pv, spec: { ...pv.spec, claimRef: op.claimRef ?? undefined } };
    if (op.claimRef) body.metadata = { ...pv.metadata, annotations: { ...pv.metadata?.annotations, [BOUND_BY_CONTROLLER]: 'yes' } };
    await rest.replace(pvPath(op.pv), body);
  }

  async function setVolumeName(op: Extract<VolumeOp, { op: 'claimVolume' }>): Promise<void> {
    const c = claims.get(`${op.namespace}/${op.claim}`);
    if (!c) return;
    const annotations = { ...c.metadata?.annotations, [BIND_COMPLETED]: 'yes', [BOUND_BY_CONTROLLER]: 'yes' };
    const body: V1PersistentVolumeClaim = { ...c, metadata: { ...c.metadata, annotations }, spec: { ...c.spec, volumeName: op.volumeName } };
    await rest.replace(claimPath(op.namespace, op.claim), body);
  }

  async function provision(pv: V1PersistentVolume): Promise<void> {
    const path = pv.spec?.hostPath?.path;
    if (touchDisk && path) await mkdir(path, { recursive: true });
    log.info({ pv: pv.metadata?.name, claim: pv.spec?.claimRef?.name }, 'provisioning volume');
    await rest.create('/api/v1/persistentvolumes', pv);
  }

  async function deleteVolume(name: string, hostPath: string | undefined): Promise<void> {
    log.info({ pv: name }, 'claim gone: deleting volume (reclaim policy Delete)');
    await ignoreNotFound(() => rest.remove(pvPath(name)));
    if (touchDisk && hostPath) await rm(hostPath, { recursive: true, force: true });
  }

  async function recycle(name: string, hostPath: string | undefined): Promise<void> {
    log.info({ pv: name }, 'claim gone: recycling volume');
    if (touchDisk && hostPath) await scrub(hostPath);
  }

  function exec(op: VolumeOp): Promise<void> {
    switch (op.op) {
      case 'pvClaimRef':
        return setClaimRef(op);
      case 'pvPhase':
        return ignoreNotFound(() => rest.mergePatch(`${pvPath(op.pv)}/status`, { status: { phase: op.phase } }));
      case 'claimVolume':
        return setVolumeName(op);
      case 'claimStatus':
        return ignoreNotFound(() => rest.mergePatch(`${claimPath(op.namespace, op.claim)}/status`, { status: op.status }));
      case 'createPv':
        return provision(op.pv);
      case 'deletePv':
        return deleteVolume(op.pv, op.hostPath);
      case 'dropFinalizer':
        return ignoreNotFound(() => dropFinalizer(op.kind, op.namespace, op.name, op.finalizer));
      case 'scrub':
        return recycle(op.pv, op.hostPath);
    }
  }

  async function sync(): Promise<void> {
    const ops = planVolumes(pvs.list(), claims.list(), dataDir, pods.list());
    // In order, stopping at the first failure: the queue retries with backoff and the plan is
    // recomputed from fresh state, so a half-done binding is finished, never duplicated.
    for (const op of ops) await exec(op);
  }

  pvs.start();
  claims.start();
  pods.start();
  await waitSynced([pvs, claims, pods]);
  queue.start(sync, 1);
  kick();
  log.info({ dataDir, touchDisk }, 'pv binder running');

  return {
    async stop() {
      await queue.shutdown();
      await Promise.all([pvs.stop(), claims.stop(), pods.stop()]);
    },
  };
}
