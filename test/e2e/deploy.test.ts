/**
 * The deploy/ manifests are valid against the Kubernetes API schema: a real kube-apiserver
 * accepts them with `kubectl apply --dry-run=server --validate=strict`, and the examples load
 * into the embedded API the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { REPO_ROOT } from './harness/bins.ts';
import { startControlPlane, type ControlPlane } from './harness/plane.ts';

const MANIFESTS = ['rbac.yaml', 'service.yaml', 'deployment.yaml', 'coredns-stub-domain.yaml'];

describe('deploy/ against a real kube-apiserver', () => {
  let plane: ControlPlane;
  beforeAll(async () => {
    plane = await startControlPlane();
    // A server-side dry run creates nothing, so the namespace the manifests live in must exist.
    const ns = await plane.kubectl(['create', 'namespace', 'ordinal-system', '--save-config']);
    expect(ns.code, ns.stderr).toBe(0);
  });
  afterAll(async () => { await plane?.stop(); });

  it.each(MANIFESTS)('%s passes server-side dry-run with strict validation', async (file) => {
    const r = await plane.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', join(REPO_ROOT, 'deploy', file)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(server dry run\)/);
  });

  it('the kustomization (rbac, service, deployment with the image set) passes server-side dry-run', async () => {
    const r = await plane.kubectl(['apply', '--dry-run=server', '--validate=strict', '-k', join(REPO_ROOT, 'deploy')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deployment.apps\/ordinal created \(server dry run\)/);
  });

  it('accepts the kubia example', async () => {
    const r = await plane.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', join(REPO_ROOT, 'deploy/examples/kubia.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/statefulset.apps\/kubia created \(server dry run\)/);
  });
});
