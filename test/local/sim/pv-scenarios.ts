/**
 * PV binder scenarios over a cluster factory: the book's static volumes (pv-a, pv-b, pv-c),
 * dynamic provisioning, and each reclaim policy when the claim goes.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1PersistentVolume, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { PROVISIONER, startPvBinder, type Stoppable } from '../../../src/local/sim/index.ts';
import { createNamespace, waitFor, type ClusterFactory, type TestCluster } from './cluster.ts';

export function pvScenarios(name: string, factory: ClusterFactory): void {
  describe(name, () => {
    let cluster: TestCluster;
    let kc: KubeConfig;
    let core: CoreV1Api;
    let dataDir: string;
    let binder: Stoppable | undefined;
    const ns = 'sim-pv';

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'sim-pv-'));
      cluster = await factory();
      kc = cluster.kc;
      core = kc.makeApiClient(CoreV1Api);
      await createNamespace(kc, ns);
      binder = await startPvBinder(kc, { log: silentLogger(), dataDir });
    });
    afterAll(async () => {
      await binder?.stop();
      await cluster?.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    async function createPv(n: string, size: string, policy: string): Promise<void> {
      const path = join(dataDir, 'static', n);
      await mkdir(path, { recursive: true });
      await core.createPersistentVolume({
        body: { metadata: { name: n }, spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: policy, hostPath: { path } } },
      });
    }
    async function createClaim(n: string, size: string): Promise<void> {
      await core.createNamespacedPersistentVolumeClaim({
        namespace: ns,
        body: { metadata: { name: n }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } } },
      });
    }
    const pv = (n: string): Promise<V1PersistentVolume> => core.readPersistentVolume({ name: n });
    const claim = (n: string): Promise<V1PersistentVolumeClaim> => core.readNamespacedPersistentVolumeClaim({ name: n, namespace: ns });
    const bound = async (n: string): Promise<V1PersistentVolumeClaim | false> => {
      const c = await claim(n);
      return c.status?.phase === 'Bound' && !!c.spec?.volumeName && c;
    };
    const gone = (p: Promise<unknown>): Promise<boolean> => p.then(() => false, (e: { code?: number }) => e.code === 404);

    it('static volumes become Available and bind the smallest match, by name on ties', async () => {
      for (const n of ['pv-c', 'pv-b', 'pv-a']) await createPv(n, '1Mi', 'Recycle');
      await waitFor('pv-a Available', async () => (await pv('pv-a')).status?.phase === 'Available');
      await createClaim('data-kubia-0', '1Mi');
      const c0 = await waitFor('data-kubia-0 bound', () => bound('data-kubia-0'));
      await createClaim('data-kubia-1', '1Mi');
      const c1 = await waitFor('data-kubia-1 bound', () => bound('data-kubia-1'));
      expect([c0.spec?.volumeName, c1.spec?.volumeName]).toEqual(['pv-a', 'pv-b']);
      expect(c0.status).toMatchObject({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Mi' } });
      const a = await waitFor('pv-a Bound', async () => {
        const x = await pv('pv-a');
        return x.status?.phase === 'Bound' && x;
      });
      expect(a.spec?.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: ns, name: 'data-kubia-0', uid: c0.metadata?.uid });
      expect((await pv('pv-c')).status?.phase).toBe('Available');
    });

    it('Recycle: deleting the claim scrubs the volume and makes it Available again', async () => {
      const file = join(dataDir, 'static', 'pv-a', 'kubia.txt');
      await writeFile(file, 'data');
      await core.deleteNamespacedPersistentVolumeClaim({ name: 'data-kubia-0', namespace: ns });
      const a = await waitFor('pv-a Available again', async () => {
        const x = await pv('pv-a');
        return x.status?.phase === 'Available' && !x.spec?.claimRef && x;
      });
      expect(a.spec?.persistentVolumeReclaimPolicy).toBe('Recycle');
      expect(existsSync(file)).toBe(false);
      expect(existsSync(join(dataDir, 'static', 'pv-a'))).toBe(true);
    });

    it('Retain: deleting the claim leaves the volume Released with its claimRef', async () => {
      await createPv('pv-keep', '5Mi', 'Retain');
      await createClaim('keep', '5Mi');
      const c = await waitFor('keep bound', () => bound('keep'));
      expect(c.spec?.volumeName).toBe('pv-keep');
      await core.deleteNamespacedPersistentVolumeClaim({ name: 'keep', namespace: ns });
      const v = await waitFor('pv-keep Released', async () => {
        const x = await pv('pv-keep');
        return x.status?.phase === 'Released' && x;
      });
      expect(v.spec?.claimRef?.name).toBe('keep');
    });

    it('provisions a local volume for an unmatched claim and deletes it with the claim', async () => {
      await createClaim('big', '1Gi');
      const c = await waitFor('big bound', () => bound('big'));
      const name = `pvc-${c.metadata?.uid ?? ''}`;
      expect(c.spec?.volumeName).toBe(name);
      const v = await waitFor('provisioned volume Bound', async () => {
        const x = await pv(name);
        return x.status?.phase === 'Bound' && x;
      });
      expect(v.metadata?.annotations?.['pv.kubernetes.io/provisioned-by']).toBe(PROVISIONER);
      expect(v.spec?.persistentVolumeReclaimPolicy).toBe('Delete');
      expect(v.spec?.hostPath?.path).toBe(join(dataDir, name));
      expect(await readdir(dataDir)).toContain(name);
      await core.deleteNamespacedPersistentVolumeClaim({ name: 'big', namespace: ns });
      await waitFor('provisioned volume deleted', () => gone(pv(name)));
      await waitFor('its directory removed', async () => !existsSync(join(dataDir, name)));
    });
  });
}
