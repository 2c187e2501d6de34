/**
 * The expected-name rule (README "No bootstrap stall") on a real control plane, under real RBAC:
 * `ordinal serve` runs with a ServiceAccount token, once with deploy/rbac.yaml's ClusterRole
 * (which may read StatefulSets) and once with a role that may not. With StatefulSets readable,
 * a StatefulSet's ordinals are expected names (NXDOMAIN with SOA TTL and MINIMUM 0); without,
 * ordinal still syncs and serves, warns once, and only a not-Ready pod's name is expected.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from './harness/dig.ts';
import { ensureNode } from './harness/kubelet.ts';
import { kubeconfigJson, startControlPlane, type ControlPlane } from './harness/plane.ts';
import { createPod } from './real/cluster-state.ts';
import { startOrdinalServe, type OrdinalServe } from './real/ordinal.ts';

const NS = 'boot';
const SYS = 'ordinal-system';
let plane: ControlPlane | undefined;
let allowed: OrdinalServe | undefined;
let forbidden: OrdinalServe | undefined;
const dir = mkdtempSync(join(tmpdir(), 'ordinal-expected-'));

/** A kubeconfig for a ServiceAccount, with a token from the TokenRequest API. */
async function saKubeconfig(core: CoreV1Api, name: string): Promise<string> {
  const tr = await core.createNamespacedServiceAccountToken({ name, namespace: SYS, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const path = join(dir, `${name}.kubeconfig`);
  const token = tr.status?.token;
  if (!token) throw new Error(`no token for ${name}`);
  writeFileSync(path, kubeconfigJson(plane!.server, plane!.caData, token));
  return path;
}

beforeAll(async () => {
  plane = await startControlPlane();
  const kc = plane.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const res = await plane.kubectl(['apply', '-f', 'deploy/rbac.yaml']);
  if (res.code !== 0) throw new Error(`kubectl apply deploy/rbac.yaml: ${res.stderr}`);
  // The same reader without StatefulSets: what an install from before this rule grants.
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace: SYS, body: { metadata: { name: 'no-sts' } } });
  await rbac.createClusterRole({ body: {
    metadata: { name: 'ordinal-dns-reader-no-sts' },
    rules: [
      { apiGroups: [''], resources: ['namespaces', 'services', 'pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    ],
  } });
  await rbac.createClusterRoleBinding({ body: {
    metadata: { name: 'ordinal-dns-reader-no-sts' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'ordinal-dns-reader-no-sts' },
    subjects: [{ kind: 'ServiceAccount', name: 'no-sts', namespace: SYS }],
  } });

  await core.createNamespace({ body: { metadata: { name: NS } } });
  await ensureNode(core);
  await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'pg' }, spec: { clusterIP: 'None', selector: { app: 'pg' }, ports: [{ name: 'pg', port: 5432 }] } } });
  // No StatefulSet controller runs on this plane: the set announces names, but makes no pods.
  await kc.makeApiClient(AppsV1Api).createNamespacedStatefulSet({ namespace: NS, body: {
    metadata: { name: 'pg' },
    spec: {
      serviceName: 'pg', replicas: 3, selector: { matchLabels: { app: 'pg' } },
      template: { metadata: { labels: { app: 'pg' } }, spec: { containers: [{ name: 'pg', image: 'postgres' }] } },
    },
  } });
  await createPod(core, { ns: NS, name: 'solo', app: 'pg', ip: '10.244.9.10', ready: false, subdomain: 'pg' });

  [allowed, forbidden] = await Promise.all([
    startOrdinalServe(await saKubeconfig(core, 'ordinal')),
    startOrdinalServe(await saKubeconfig(core, 'no-sts')),
  ]);
});

afterAll(async () => {
  await allowed?.stop();
  await forbidden?.stop();
  await plane?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** TTL and MINIMUM of the SOA in an NXDOMAIN's authority section. */
async function negative(port: number, name: string): Promise<[number, number]> {
  const r = await dig(port, name);
  expect(r.status).toBe('NXDOMAIN');
  const f = r.authority[0]!.split(' ');
  return [Number(f[1]), Number(f[f.length - 1])];
}

describe('expected names under RBAC', () => {
  it.each([
    { name: `pg-2.pg.${NS}.svc.cluster.local`, why: 'a StatefulSet ordinal', allowed: [0, 0], forbidden: [5, 5] },
    { name: `pg-0.pg.${NS}.svc.cluster.local`, why: 'a StatefulSet ordinal', allowed: [0, 0], forbidden: [5, 5] },
    { name: `solo.pg.${NS}.svc.cluster.local`, why: 'a pod that is not Ready', allowed: [0, 0], forbidden: [0, 0] },
    { name: `pg-3.pg.${NS}.svc.cluster.local`, why: 'beyond the replicas', allowed: [5, 5], forbidden: [5, 5] },
  ])('$name ($why)', async (row) => {
    expect(await negative(allowed!.port, row.name)).toEqual(row.allowed);
    expect(await negative(forbidden!.port, row.name)).toEqual(row.forbidden);
  });

  it('warns once when StatefulSets cannot be listed, and not otherwise', () => {
    const count = (s: string): number => s.split('cannot list StatefulSets').length - 1;
    expect(count(forbidden!.output())).toBe(1);
    expect(count(allowed!.output())).toBe(0);
    expect(forbidden!.output()).not.toContain('list/watch failed');
  });
});
