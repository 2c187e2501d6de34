// The watch-fed identity audit (helpers/watch-audit.ts) against the embedded API over HTTPS:
// it must see every pod event after its list, in order, and catch an OrderedReady violation
// written straight to the API. (The at-most-one checks themselves are table-tested on the
// store-fed audit in cluster-randomized.test.ts; a real API cannot hold two uids for a name.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths, type Api } from '../../src/controller/rest.ts';
import { startLocalApi, type LocalApi } from '../../src/local/api/index.ts';
import { silentLogger } from '../../src/log.ts';
import { WatchAudit } from './helpers/watch-audit.ts';
import { createNamespace, setManifest, until } from './helpers/cluster.ts';
import { kubeApi } from '../../src/controller/rest.ts';

describe('the watch-fed pod audit', () => {
  let local: LocalApi;
  let api: Api;
  let audit: WatchAudit;
  const policies = new Map<string, string>();

  beforeAll(async () => {
    local = await startLocalApi({ listen: '127.0.0.1:0', log: silentLogger() });
    api = kubeApi(local.kubeConfig());
    // A pod from before the audit: tracked from the list, never reported as added.
    await api.create(paths.pods(await namespaceWithSet('before', 'OrderedReady')), pod('before', 'web-0'));
    policies.set('before', 'OrderedReady');
    audit = await WatchAudit.start(local.kubeConfig(), api, (ns) => {
      const p = policies.get(ns);
      return p ? { podManagementPolicy: p } : undefined;
    });
  });
  afterAll(async () => {
    audit?.stop();
    await local?.close();
  });

  // The pods' owner must exist, or the API's garbage collector deletes them; no controller runs here.
  const owners = new Map<string, string>();
  async function namespaceWithSet(ns: string, policy: 'OrderedReady' | 'Parallel'): Promise<string> {
    await createNamespace(api, ns);
    const set = await api.create<{ metadata: { uid: string } }>(`/apis/apps/v1/namespaces/${ns}/statefulsets`, setManifest({ name: 'web', namespace: ns, replicas: 0, policy }));
    owners.set(ns, set.metadata.uid);
    return ns;
  }
  function pod(ns: string, name: string): Record<string, unknown> {
    const ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: owners.get(ns), controller: true }];
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name, ownerReferences }, spec: { containers: [{ name: 'app', image: 'app:0' }] } };
  }
  const ready = (ns: string, name: string) => api.mergePatch(`${paths.pod(ns, name)}/status`, {
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  });

  type Step = (ns: string) => Promise<unknown>;
  const create = (name: string): Step => (ns) => api.create(paths.pods(ns), pod(ns, name));
  const remove = (name: string): Step => (ns) => api.remove(paths.pod(ns, name), { gracePeriodSeconds: 0 });
  const makeReady = (name: string): Step => (ns) => ready(ns, name);

  it.each<[string, 'OrderedReady' | 'Parallel', Step[], number, number, RegExp | undefined]>([
    ['in order, each Ready first', 'OrderedReady', [create('web-0'), makeReady('web-0'), create('web-1')], 2, 0, undefined],
    ['a new uid after the old one is deleted', 'OrderedReady', [create('web-0'), remove('web-0'), create('web-0')], 2, 1, undefined],
    ['pod 1 before pod 0', 'OrderedReady', [create('web-1')], 1, 0, /web-1 created while predecessor .*\/web-0 was missing/],
    ['pod 1 while pod 0 was never Ready', 'OrderedReady', [create('web-0'), create('web-1')], 2, 0, /web-0 was not Ready \(last good never\)/],
    ['pod 1 first under Parallel', 'Parallel', [create('web-1')], 1, 0, undefined],
  ])('%s (%s)', async (_name, policy, steps, created, deleted, want) => {
    const ns = `wa-${policies.size}`;
    policies.set(ns, policy);
    await namespaceWithSet(ns, policy);
    const before = { created: audit.created, deleted: audit.deleted, violations: audit.violations.length };
    for (const s of steps) await s(ns);
    await until('the audit to see every event', () => audit.created - before.created === created && audit.deleted - before.deleted === deleted, 5_000);
    // A MODIFIED arrives after ADDED; wait a moment for any late event before judging.
    await new Promise((r) => setTimeout(r, 50));
    const found = audit.violations.slice(before.violations).filter((v) => v.includes(`${ns}/`));
    if (want) expect(found.join('\n')).toMatch(want);
    else expect(found).toEqual([]);
  });

  it('tracked the pod that existed before it started without counting it as created', async () => {
    const before = { created: audit.created, deleted: audit.deleted };
    await api.remove(paths.pod('before', 'web-0'), { gracePeriodSeconds: 0 });
    await until('the deletion to arrive', () => audit.deleted === before.deleted + 1, 5_000);
    expect(audit.created).toBe(before.created);
    // Its DELETED named the uid the list had seeded, so nothing was reported.
    expect(audit.violations.filter((v) => v.includes('before/'))).toEqual([]);
  });
});
