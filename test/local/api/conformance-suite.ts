// The API conformance suite, written against @kubernetes/client-node only, so it runs
// unchanged against the embedded server and against a real kube-apiserver (+ KCM for GC).
import {
  AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions,
  type KubeConfig, type V1Pod, type V1StatefulSet,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture, eventually, expectStatus, uniqueName, type MakeTarget, type Target } from './helpers.ts';

export function pod(name: string, labels: Record<string, string> = {}, extra: Partial<V1Pod['spec']> = {}): V1Pod {
  return { metadata: { name, labels }, spec: { containers: [{ name: 'main', image: 'luksa/kubia-pet' }], ...extra } };
}

export function statefulSet(name: string, replicas = 2): V1StatefulSet {
  return {
    metadata: { name },
    spec: {
      serviceName: name, replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'luksa/kubia-pet' }] } },
    },
  };
}

export function runConformance(makeTarget: MakeTarget): void {
  let target: Target;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  const ns = uniqueName('conf');

  beforeAll(async () => {
    target = await makeTarget();
    kc = target.kc;
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await target.cleanup();
  });

  describe('CRUD', () => {
    it('creates, reads, replaces and deletes a pod with defaults applied', async () => {
      const created = await core.createNamespacedPod({ namespace: ns, body: pod('crud') });
      expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.metadata?.generation).toBe(1);
      expect(created.status?.phase).toBe('Pending');
      expect(created.spec?.restartPolicy).toBe('Always');
      expect(created.spec?.terminationGracePeriodSeconds).toBe(30);
      expect(created.spec?.dnsPolicy).toBe('ClusterFirst');
      expect(created.spec?.schedulerName).toBe('default-scheduler');
      expect(created.spec?.containers[0]?.imagePullPolicy).toBe('Always');
      expect(created.spec?.containers[0]?.terminationMessagePath).toBe('/dev/termination-log');
      const got = await core.readNamespacedPod({ name: 'crud', namespace: ns });
      expect(got.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
      got.metadata!.labels = { changed: 'yes' };
      const replaced = await core.replaceNamespacedPod({ name: 'crud', namespace: ns, body: got });
      expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(got.metadata?.resourceVersion));
      expect(replaced.metadata?.generation).toBe(1); // metadata-only change
      await core.deleteNamespacedPod({ name: 'crud', namespace: ns });
      await expectStatus(core.readNamespacedPod({ name: 'crud', namespace: ns }), 404, 'NotFound');
    });

    it('rejects a duplicate name and a stale resourceVersion with 409', async () => {
      await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'dup' }, spec: { ports: [{ port: 80 }], selector: { app: 'x' } } } });
      const body = await expectStatus(core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'dup' }, spec: { ports: [{ port: 80 }] } } }), 409, 'AlreadyExists');
      expect(body.message).toBe('services "dup" already exists');
      const svc = await core.readNamespacedService({ name: 'dup', namespace: ns });
      expect(svc.spec?.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(svc.spec?.ports?.[0]?.targetPort).toBe(80);
      const stale = structuredClone(svc);
      svc.metadata!.labels = { a: 'b' };
      await core.replaceNamespacedService({ name: 'dup', namespace: ns, body: svc });
      stale.metadata!.labels = { a: 'c' };
      await expectStatus(core.replaceNamespacedService({ name: 'dup', namespace: ns, body: stale }), 409, 'Conflict');
      const after = await core.readNamespacedService({ name: 'dup', namespace: ns });
      expect(after.metadata?.labels).toEqual({ a: 'b' });
    });

    it('generates names from generateName', async () => {
      const a = await core.createNamespacedPod({ namespace: ns, body: { ...pod(''), metadata: { generateName: 'gen-' } } });
      const b = await core.createNamespacedPod({ namespace: ns, body: { ...pod(''), metadata: { generateName: 'gen-' } } });
      expect(a.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
      expect(a.metadata?.name).not.toBe(b.metadata?.name);
    });

    it('bumps generation on spec changes only', async () => {
      const sts = await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('gen', 0) });
      expect(sts.metadata?.generation).toBe(1);
      expect(sts.spec?.podManagementPolicy).toBe('OrderedReady');
      expect(sts.spec?.revisionHistoryLimit).toBe(10);
      expect(sts.spec?.updateStrategy?.rollingUpdate?.partition).toBe(0);
      expect(sts.spec?.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
      const labelled = await apps.patchNamespacedStatefulSet({ name: 'gen', namespace: ns, body: { metadata: { labels: { x: 'y' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      expect(labelled.metadata?.generation).toBe(1);
      const scaled = await apps.patchNamespacedStatefulSet({ name: 'gen', namespace: ns, body: { spec: { replicas: 3 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      expect(scaled.metadata?.generation).toBe(2);
      const status = await apps.patchNamespacedStatefulSetStatus({ name: 'gen', namespace: ns, body: { status: { replicas: 1, observedGeneration: 2 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      expect(status.metadata?.generation).toBe(2);
      expect(status.status?.replicas).toBe(1);
    });
  });

  describe('subresources', () => {
    it('ignores status on main writes and spec on status writes', async () => {
      await core.createNamespacedPod({ namespace: ns, body: { ...pod('st'), status: { phase: 'Running' } } });
      const p = await core.readNamespacedPod({ name: 'st', namespace: ns });
      expect(p.status?.phase).toBe('Pending');
      p.status = { ...p.status, phase: 'Running', podIP: '10.244.0.5' };
      p.spec!.containers[0]!.image = 'nginx:1.27';
      const s = await core.replaceNamespacedPodStatus({ name: 'st', namespace: ns, body: p });
      expect(s.status?.phase).toBe('Running');
      expect(s.spec?.containers[0]?.image).toBe('luksa/kubia-pet');
    });

    it('reads and updates the scale of a StatefulSet', async () => {
      await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('sc', 1) });
      const scale = await apps.readNamespacedStatefulSetScale({ name: 'sc', namespace: ns });
      expect(scale.spec?.replicas).toBe(1);
      expect(scale.status?.selector).toBe('app=sc');
      await apps.replaceNamespacedStatefulSetScale({ name: 'sc', namespace: ns, body: { ...scale, spec: { replicas: 4 } } });
      expect((await apps.readNamespacedStatefulSet({ name: 'sc', namespace: ns })).spec?.replicas).toBe(4);
      await apps.patchNamespacedStatefulSetScale({ name: 'sc', namespace: ns, body: { spec: { replicas: 2 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      expect((await apps.readNamespacedStatefulSet({ name: 'sc', namespace: ns })).spec?.replicas).toBe(2);
    });

    it('discovery lists the subresources kubectl reaches a pod and a service through', async () => {
      const list = await core.getAPIResources();
      const entry = (name: string): unknown => {
        const r = list.resources.find((e) => e.name === name);
        return r && { name: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs };
      };
      const connect = ['create', 'get'];
      const proxy = ['create', 'delete', 'get', 'patch', 'update'];
      expect([
        'pods/attach', 'pods/binding', 'pods/exec', 'pods/log', 'pods/portforward', 'pods/proxy', 'pods/status', 'services/proxy', 'services/status',
      ].map(entry)).toEqual([
        { name: 'pods/attach', kind: 'PodAttachOptions', namespaced: true, verbs: connect },
        { name: 'pods/binding', kind: 'Binding', namespaced: true, verbs: ['create'] },
        { name: 'pods/exec', kind: 'PodExecOptions', namespaced: true, verbs: connect },
        { name: 'pods/log', kind: 'Pod', namespaced: true, verbs: ['get'] },
        { name: 'pods/portforward', kind: 'PodPortForwardOptions', namespaced: true, verbs: connect },
        { name: 'pods/proxy', kind: 'PodProxyOptions', namespaced: true, verbs: proxy },
        { name: 'pods/status', kind: 'Pod', namespaced: true, verbs: ['get', 'patch', 'update'] },
        { name: 'services/proxy', kind: 'ServiceProxyOptions', namespaced: true, verbs: proxy },
        { name: 'services/status', kind: 'Service', namespaced: true, verbs: ['get', 'patch', 'update'] },
      ]);
    });

    it('lets scheduling gates be removed, never added', async () => {
      await core.createNamespacedPod({ namespace: ns, body: pod('gated', {}, { schedulerName: 'nobody', schedulingGates: [{ name: 'a' }, { name: 'b' }] }) });
      const gated = await core.readNamespacedPod({ name: 'gated', namespace: ns });
      expect(gated.status?.conditions?.find((c) => c.type === 'PodScheduled')).toMatchObject({ status: 'False', reason: 'SchedulingGated' });
      await core.patchNamespacedPod({ name: 'gated', namespace: ns, body: [{ op: 'remove', path: '/spec/schedulingGates/0' }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
      expect((await core.readNamespacedPod({ name: 'gated', namespace: ns })).spec?.schedulingGates).toEqual([{ name: 'b' }]);
      const body = await expectStatus(core.patchNamespacedPod({ name: 'gated', namespace: ns, body: [{ op: 'add', path: '/spec/schedulingGates/-', value: { name: 'c' } }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch)), 422, 'Invalid');
      expect(body.message).toBe(`Pod "gated" is invalid: spec.schedulingGates[1].name: Forbidden: only deletion is allowed, but found new scheduling gate 'c'`);
      await core.patchNamespacedPod({ name: 'gated', namespace: ns, body: [{ op: 'remove', path: '/spec/schedulingGates' }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
      expect((await core.readNamespacedPod({ name: 'gated', namespace: ns })).spec?.schedulingGates ?? []).toEqual([]);
    });

    it('binds a pod to a node once', async () => {
      await core.createNamespacedPod({ namespace: ns, body: pod('bind') });
      await core.createNamespacedBinding({ namespace: ns, body: { metadata: { name: 'bind' }, target: { kind: 'Node', name: 'node-a' } } });
      expect((await core.readNamespacedPod({ name: 'bind', namespace: ns })).spec?.nodeName).toBe('node-a');
    });
  });

  describe('list', () => {
    beforeAll(async () => {
      for (const [name, tier, env] of [['l-a', 'web', 'prod'], ['l-b', 'web', 'dev'], ['l-c', 'db', 'prod'], ['l-d', 'cache', '']] as const) {
        const labels: Record<string, string> = { suite: 'list', tier };
        if (env) labels.env = env;
        await core.createNamespacedPod({ namespace: ns, body: pod(name, labels) });
      }
    });
    const names = async (labelSelector?: string, fieldSelector?: string): Promise<string[]> =>
      (await core.listNamespacedPod({ namespace: ns, labelSelector, fieldSelector })).items.map((p) => p.metadata!.name!).sort();

    it.each([
      ['suite=list,tier=web', ['l-a', 'l-b']],
      ['suite==list,tier!=web', ['l-c', 'l-d']],
      ['suite=list,tier in (db,cache)', ['l-c', 'l-d']],
      ['suite=list,tier notin (db,cache)', ['l-a', 'l-b']],
      ['suite=list,env', ['l-a', 'l-b', 'l-c']],
      ['suite=list,!env', ['l-d']],
    ])('label selector %s', async (sel, want) => {
      expect(await names(sel)).toEqual(want);
    });

    it('field selectors on metadata.name and status.phase', async () => {
      expect(await names('suite=list', 'metadata.name=l-b')).toEqual(['l-b']);
      expect(await names('suite=list', 'metadata.name!=l-b,status.phase=Pending')).toEqual(['l-a', 'l-c', 'l-d']);
      expect(await names('suite=list', 'spec.nodeName=')).toEqual(['l-a', 'l-b', 'l-c', 'l-d']);
      await expectStatus(core.listNamespacedPod({ namespace: ns, fieldSelector: 'spec.bogus=x' }), 400, 'BadRequest');
    });

    it('pages with limit and continue', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await core.listNamespacedPod({ namespace: ns, labelSelector: 'suite=list', limit: 3, _continue: token });
        seen.push(...page.items.map((p) => p.metadata!.name!));
        token = page.metadata?._continue || undefined;
        pages++;
      } while (token);
      expect(pages).toBe(2);
      expect(seen).toEqual(['l-a', 'l-b', 'l-c', 'l-d']);
    });

    it('lists across all namespaces', async () => {
      const all = await core.listPodForAllNamespaces({ labelSelector: 'suite=list' });
      expect(all.items.every((p) => p.metadata?.namespace === ns)).toBe(true);
      expect(all.items).toHaveLength(4);
    });
  });

  describe('watch', () => {
    it('streams changes after a resourceVersion, filtered by selector transitions', async () => {
      const list = await core.listNamespacedPod({ namespace: ns, labelSelector: 'watch=me' });
      const w = await capture(kc, `/api/v1/namespaces/${ns}/pods`, { labelSelector: 'watch=me', resourceVersion: list.metadata!.resourceVersion });
      await core.createNamespacedPod({ namespace: ns, body: pod('w-1', { watch: 'me' }) });
      await core.patchNamespacedPod({ name: 'w-1', namespace: ns, body: { metadata: { labels: { extra: '1' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      await core.patchNamespacedPod({ name: 'w-1', namespace: ns, body: { metadata: { labels: { watch: 'no' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      await core.patchNamespacedPod({ name: 'w-1', namespace: ns, body: { metadata: { labels: { watch: 'me' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      await core.deleteNamespacedPod({ name: 'w-1', namespace: ns });
      await eventually(async () => w.events.length >= 6, 10_000, '6 watch events');
      w.stop();
      // The delete shows as MODIFIED (deletionTimestamp set, grace 0) and then DELETED, as kube-apiserver does.
      expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED', 'ADDED', 'MODIFIED', 'DELETED']);
      const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
      expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
    });

    it('sends synthetic ADDED events for current state when no resourceVersion is given', async () => {
      const w = await capture(kc, `/api/v1/namespaces/${ns}/pods`, { labelSelector: 'suite=list' });
      await eventually(async () => w.events.length >= 4, 10_000, 'initial events');
      w.stop();
      expect(w.events.every((e) => e.type === 'ADDED')).toBe(true);
    });

    it('ends a watch at timeoutSeconds, and any BOOKMARK carries the kind and a current resourceVersion', async () => {
      const list = await core.listNamespacedPod({ namespace: ns });
      const started = Date.now();
      const w = await capture(kc, `/api/v1/namespaces/${ns}/pods`, { resourceVersion: list.metadata!.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 3 });
      await w.done;
      // kube-apiserver sends bookmarks only about once a minute, so a 3 s watch may have none.
      expect(Date.now() - started).toBeLessThan(15_000);
      for (const bm of w.events.filter((e) => e.type === 'BOOKMARK')) {
        expect(bm.object.kind).toBe('Pod');
        expect(Number(bm.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(list.metadata!.resourceVersion));
      }
    }, 20_000);
    it('takes timeoutSeconds=0 as no timeout given: the watch stays open', async () => {
      const list = await core.listNamespacedPod({ namespace: ns });
      const w = await capture(kc, `/api/v1/namespaces/${ns}/pods`, { resourceVersion: list.metadata!.resourceVersion, timeoutSeconds: 0 });
      let ended = false;
      void w.done.then(() => { ended = true; });
      await new Promise((r) => setTimeout(r, 1500));
      await core.createNamespacedPod({ namespace: ns, body: pod('w-zero') });
      await eventually(async () => w.events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'w-zero'), 10_000, 'the event after 1.5 s');
      expect(ended).toBe(false);
      w.stop();
    }, 20_000);
  });

  describe('deletion', () => {
    it('deletes an unbound pod at once and a bound pod gracefully', async () => {
      await core.createNamespacedPod({ namespace: ns, body: pod('d-unbound') });
      await core.deleteNamespacedPod({ name: 'd-unbound', namespace: ns });
      await expectStatus(core.readNamespacedPod({ name: 'd-unbound', namespace: ns }), 404);

      await core.createNamespacedPod({ namespace: ns, body: pod('d-bound', {}, { nodeName: 'node-a', terminationGracePeriodSeconds: 20 }) });
      const before = await core.readNamespacedPod({ name: 'd-bound', namespace: ns });
      await core.deleteNamespacedPod({ name: 'd-bound', namespace: ns });
      const terminating = await core.readNamespacedPod({ name: 'd-bound', namespace: ns });
      expect(terminating.metadata?.deletionGracePeriodSeconds).toBe(20);
      expect(terminating.metadata?.deletionTimestamp).toBeDefined();
      expect(terminating.metadata?.generation).toBe((before.metadata?.generation ?? 0) + 1);
      await core.deleteNamespacedPod({ name: 'd-bound', namespace: ns, gracePeriodSeconds: 5 });
      expect((await core.readNamespacedPod({ name: 'd-bound', namespace: ns })).metadata?.deletionGracePeriodSeconds).toBe(5);
      await core.deleteNamespacedPod({ name: 'd-bound', namespace: ns, gracePeriodSeconds: 10 });
      expect((await core.readNamespacedPod({ name: 'd-bound', namespace: ns })).metadata?.deletionGracePeriodSeconds).toBe(5);
      await expectStatus(core.deleteNamespacedPod({ name: 'd-bound', namespace: ns, body: { gracePeriodSeconds: 0, preconditions: { uid: 'not-the-uid' } } }), 409, 'Conflict');
      await core.deleteNamespacedPod({ name: 'd-bound', namespace: ns, body: { gracePeriodSeconds: 0, preconditions: { uid: before.metadata!.uid! } } });
      await expectStatus(core.readNamespacedPod({ name: 'd-bound', namespace: ns }), 404);
    });

    it('keeps an object with finalizers until they are removed', async () => {
      await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'fin', finalizers: ['example.com/hold'] }, spec: { ports: [{ port: 80 }] } } });
      await core.deleteNamespacedService({ name: 'fin', namespace: ns });
      const held = await core.readNamespacedService({ name: 'fin', namespace: ns });
      expect(held.metadata?.deletionTimestamp).toBeDefined();
      await expectStatus(core.patchNamespacedService({ name: 'fin', namespace: ns, body: { metadata: { finalizers: ['example.com/hold', 'example.com/new'] } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)), 422, 'Invalid');
      await core.patchNamespacedService({ name: 'fin', namespace: ns, body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      await expectStatus(core.readNamespacedService({ name: 'fin', namespace: ns }), 404);
    });

    it.each([
      ['Background', 'gone'],
      ['Foreground', 'gone'],
      ['Orphan', 'orphaned'],
    ] as const)('cascades %s deletion to owned pods', async (policy, want) => {
      const name = `c-${policy.toLowerCase()}`;
      const owner = await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet(name, 0) });
      const ref = { apiVersion: 'apps/v1', kind: 'StatefulSet', name, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
      for (const i of [0, 1]) {
        await core.createNamespacedPod({ namespace: ns, body: { ...pod(`${name}-${i}`, { app: name }), metadata: { name: `${name}-${i}`, labels: { app: name }, ownerReferences: [ref] } } });
      }
      await apps.deleteNamespacedStatefulSet({ name, namespace: ns, propagationPolicy: policy });
      await eventually(async () => apps.readNamespacedStatefulSet({ name, namespace: ns }).then(() => false, () => true), 15_000, 'owner gone');
      const remaining = async (): Promise<V1Pod[]> => (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${name}` })).items;
      if (want === 'gone') await eventually(async () => (await remaining()).length === 0, 15_000, 'dependents gone');
      else {
        const pods = await eventually(async () => {
          const ps = await remaining();
          return ps.length === 2 && ps.every((p) => !p.metadata?.ownerReferences?.length) ? ps : undefined;
        }, 15_000, 'orphaned dependents');
        expect(pods.every((p) => !p.metadata?.deletionTimestamp)).toBe(true);
      }
    });
  });

  describe('bad input', () => {
    it.each([
      ['selector not matching template labels', { ...statefulSet('bad1'), spec: { ...statefulSet('bad1').spec!, selector: { matchLabels: { app: 'other' } } } }, 'spec.template.metadata.labels'],
      ['missing selector', { ...statefulSet('bad2'), spec: { ...statefulSet('bad2').spec!, selector: undefined as never } }, 'spec.selector'],
      ['negative replicas', statefulSet('bad3', -1), 'spec.replicas'],
      ['invalid name', statefulSet('Bad_Name'), 'metadata.name'],
    ])('rejects a StatefulSet with %s (422)', async (_what, body, field) => {
      const status = await expectStatus(apps.createNamespacedStatefulSet({ namespace: ns, body }), 422, 'Invalid');
      expect(String(status.message)).toContain(field);
      const causes = (status.details as { causes: { field: string }[] }).causes;
      expect(causes.some((c) => c.field.startsWith(field))).toBe(true);
    });

    it('rejects immutable StatefulSet fields with upstream message and changes nothing', async () => {
      const sts = await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('immut', 0) });
      const body = await expectStatus(apps.patchNamespacedStatefulSet({ name: 'immut', namespace: ns, body: { spec: { serviceName: 'other' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)), 422, 'Invalid');
      expect(String(body.message)).toContain("updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
      const after = await apps.readNamespacedStatefulSet({ name: 'immut', namespace: ns });
      expect(after.metadata?.resourceVersion).toBe(sts.metadata?.resourceVersion);
    });

    it('answers unknown namespaces and objects with 404', async () => {
      await expectStatus(core.createNamespacedPod({ namespace: 'does-not-exist', body: pod('x') }), 404, 'NotFound');
      await expectStatus(core.readNamespacedPod({ name: 'nope', namespace: ns }), 404, 'NotFound');
    });

    it('refuses to delete the default namespace', async () => {
      await expectStatus(core.deleteNamespace({ name: 'default' }), 403, 'Forbidden');
    });
  });
}
