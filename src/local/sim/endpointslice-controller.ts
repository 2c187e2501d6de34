/**
 * @module The EndpointSlice controller shell (what kube-controller-manager's
 * endpointslice-controller does for Services with a selector): informers on Services, Pods,
 * Nodes and our own slices feed a per-Service work queue; `sync` plans with the pure
 * reconciler and writes only what changed. Services without a selector are left alone.
 */
import { DiscoveryV1Api, type KubeConfig, type V1EndpointSlice, type V1Node, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { objectKey } from '../../kube/informer.ts';
import { createWorkQueue } from '../../kube/workqueue.ts';
import type { Logger } from '../../log.ts';
import { desiredGroups, managesService, selectorMatches } from './endpoints.ts';
import type { Stoppable } from './kubelet.ts';
import { ignoreNotFound, informer, rvAtLeast, waitSynced } from './kube-io.ts';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, reconcileSlices, type SlicePlan } from './slices.ts';

export interface EndpointSliceOptions {
  log: Logger;
  /** kube-controller-manager --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
  /**
   * Pod changes are collected this long before a Service is synced, so a burst of pod updates
   * becomes one slice write (--endpointslice-updates-batch-period; 0 = sync at once).
   */
  batchMs?: number;
}

/** Slices we wrote, by name → resourceVersion (null = deleted), until the informer shows them. */
type Expectations = Map<string, Map<string, string | null>>;

const EXPECTATION_TIMEOUT_MS = 5000;

export async function startEndpointSliceController(kc: KubeConfig, opts: EndpointSliceOptions): Promise<Stoppable> {
  const log = opts.log.child({ component: 'endpointslice-controller' });
  const max = opts.maxEndpointsPerSlice ?? 100;
  const batchMs = opts.batchMs ?? 20;
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const services = informer<V1Service>(kc, log, 'eps-services', '/api/v1/services');
  const pods = informer<V1Pod>(kc, log, 'eps-pods', '/api/v1/pods');
  const nodes = informer<V1Node>(kc, log, 'eps-nodes', '/api/v1/nodes');
  const slices = informer<V1EndpointSlice>(kc, log, 'eps-slices', '/apis/discovery.k8s.io/v1/endpointslices', { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` });
  const queue = createWorkQueue({ log, name: 'endpointslice', maxDelayMs: 10_000 });
  const expected: Expectations = new Map();
  const expectedSince = new Map<string, number>();

  /** Services in the pod's namespace whose selector matches the pod's labels (now or before). */
  function servicesFor(pod: V1Pod, old?: V1Pod): void {
    const ns = pod.metadata?.namespace;
    for (const svc of services.list()) {
      const sel = svc.spec?.selector;
      if (svc.metadata?.namespace !== ns || !sel || !managesService(svc)) continue;
      if (selectorMatches(sel, pod.metadata?.labels) || (old && selectorMatches(sel, old.metadata?.labels))) later(objectKey(svc));
    }
  }
  function later(key: string): void {
    if (batchMs > 0) queue.addAfter(key, batchMs);
    else queue.add(key);
  }
  function all(): void {
    for (const svc of services.list()) queue.add(objectKey(svc));
  }
  function sliceOwner(s: V1EndpointSlice): void {
    const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (name) queue.add(`${s.metadata?.namespace ?? ''}/${name}`);
  }

  services.on('add', (s) => queue.add(objectKey(s)));
  services.on('update', (s) => queue.add(objectKey(s)));
  services.on('delete', (s) => queue.add(objectKey(s)));
  pods.on('add', (p) => servicesFor(p));
  pods.on('update', (p, old) => servicesFor(p, old));
  pods.on('delete', (p) => servicesFor(p));
  // Node changes only matter for zones and for pods whose node was missing; they are rare.
  nodes.on('add', all);
  nodes.on('delete', all);
  slices.on('add', sliceOwner);
  slices.on('update', sliceOwner);
  slices.on('delete', sliceOwner);

  /** True while the slice cache lags behind our own last writes for this Service. */
  function stale(key: string): boolean {
    const want = expected.get(key);
    if (!want) return false;
    const ns = key.split('/')[0] ?? '';
    for (const [name, rv] of want) {
      const have = slices.get(`${ns}/${name}`);
      const ok = rv === null ? !have : rvAtLeast(have?.metadata?.resourceVersion, rv);
      if (!ok) {
        if (Date.now() - (expectedSince.get(key) ?? 0) < EXPECTATION_TIMEOUT_MS) return true;
        log.warn({ key, slice: name }, 'slice cache did not catch up; reconciling anyway');
        break;
      }
    }
    expected.delete(key);
    expectedSince.delete(key);
    return false;
  }

  function ownSlices(ns: string, name: string): V1EndpointSlice[] {
    return slices.list().filter((s) => s.metadata?.namespace === ns && s.metadata?.labels?.[SERVICE_NAME_LABEL] === name);
  }

  const nameOf = (s: V1EndpointSlice): string => s.metadata?.name ?? '';

  /** Execute a plan; remember what we wrote so the next sync waits for the cache to see it. */
  async function apply(key: string, ns: string, plan: SlicePlan): Promise<void> {
    const wrote = new Map<string, string | null>();
    try {
      for (const s of plan.delete) {
        await ignoreNotFound(() => discovery.deleteNamespacedEndpointSlice({ name: nameOf(s), namespace: ns }));
        wrote.set(nameOf(s), null);
      }
      for (const s of plan.update) {
        const out = await discovery.replaceNamespacedEndpointSlice({ name: nameOf(s), namespace: ns, body: s });
        wrote.set(nameOf(out), out.metadata?.resourceVersion ?? '');
      }
      for (const s of plan.create) {
        const out = await discovery.createNamespacedEndpointSlice({ namespace: ns, body: s });
        wrote.set(nameOf(out), out.metadata?.resourceVersion ?? '');
      }
    } finally {
      if (wrote.size > 0) {
        expected.set(key, wrote);
        expectedSince.set(key, Date.now());
      }
    }
  }

  async function sync(key: string): Promise<void> {
    if (stale(key)) {
      queue.addAfter(key, 25);
      return;
    }
    const [ns = '', name = ''] = key.split('/');
    const svc = services.get(key);
    const existing = ownSlices(ns, name);
    // Service gone, selector removed or ExternalName: our slices go (as the GC would for a
    // deleted Service); slices others wrote for selector-less Services are not ours to touch.
    const plan: SlicePlan =
      svc && managesService(svc)
        ? reconcileSlices(svc, desiredGroups(svc, pods.list(), new Map(nodes.list().map((n) => [n.metadata?.name ?? '', n]))), existing, max)
        : { create: [], update: [], delete: existing };
    await apply(key, ns, plan);
  }

  services.start();
  pods.start();
  nodes.start();
  slices.start();
  await waitSynced([services, pods, nodes, slices]);
  queue.start(sync, 2);
  all();
  log.info({ maxEndpointsPerSlice: max }, 'endpointslice controller running');

  return {
    async stop() {
      await queue.shutdown();
      await Promise.all([services.stop(), pods.stop(), nodes.stop(), slices.stop()]);
    },
  };
}
