/**
 * The real kubectl against the embedded API server (startLocalApi), with client-side
 * defaults untouched (no --validate=false): create, get (server-side Table printing),
 * describe, strict field validation, apply twice, scale through the scale subresource,
 * annotate/label, create namespace (a protobuf body), get -w, and the book's NodeLost pod
 * that only `delete --force --grace-period=0` removes (Kubernetes in Action 10.5).
 *
 * Runs once with the pinned kubectl built by scripts/build-e2e-bins.sh (v1.36) and once with
 * `${ORDINAL_KUBECTL:-kubectl}`. A missing kubectl fails the suite.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk untyped API JSON */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApi, type LocalApi } from '../../src/local/api/index.ts';
import { applyPatch } from '../../src/local/kubectl/patch.ts';
import { decodeProtobufBody } from '../../src/local/kubectl/protobuf.ts';
import { toTable } from '../../src/local/kubectl/table.ts';
import { validateFields } from '../../src/local/kubectl/validate.ts';
import { openapiV3, openapiV3Index } from '../../src/local/kubectl/openapi.ts';
import { OTHER_PATCH_CASES, PATCH_CASES, POD_CASES, STS_BASE, TYPO_CASES } from '../local/kubectl/differential-cases.ts';
import { REPO_ROOT, requireBins } from './harness/bins.ts';
import { startControlPlane, type ControlPlane } from './harness/plane.ts';
import { run, waitFor, type RunResult } from './harness/util.ts';

const KUBIA = join(REPO_ROOT, 'deploy/examples/kubia.yaml');
/** A StatefulSet using most pod-spec features, to exercise kubectl's OpenAPI-driven patch builder. */
const RICH = join(REPO_ROOT, 'test/local/kubectl/fixtures/rich-statefulset.yaml');
const RICH_EDITS: [string, string][] = [
  ['cpu: 100m', 'cpu: 200m'], ['drop: [ALL]', 'drop: [ALL, CHOWN]'], ['value: "2"', 'value: "3"'], ['path: a.conf', 'path: b.conf'],
  ['[sleep, "5"]', '[sleep, "7"]'], ['weight: 100', 'weight: 50'], ['fieldPath: metadata.name', 'fieldPath: metadata.namespace'],
  ['expirationSeconds: 3600', 'expirationSeconds: 7200'], ['port: http}', 'port: 8080}'], ['values: [linux]', 'values: [linux, plan9]'],
];

const LOST_POD = `apiVersion: v1
kind: Pod
metadata: {name: lost, labels: {app: lost}}
spec:
  nodeName: node-gone
  containers: [{name: kubia, image: luksa/kubia-pet}]
`;
const LOST_STATUS = JSON.stringify({ status: {
  phase: 'Running', reason: 'NodeLost', message: 'Node node-gone which was running pod lost is unresponsive',
  podIP: '10.244.0.9', podIPs: [{ ip: '10.244.0.9' }], conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [{ name: 'kubia', image: 'luksa/kubia-pet', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: new Date().toISOString() } } }],
} });

const clients = [
  { name: 'pinned kubectl', bin: (): string => requireBins(['kubectl']).kubectl },
  { name: 'ORDINAL_KUBECTL (default: kubectl on PATH)', bin: (): string => process.env.ORDINAL_KUBECTL || 'kubectl' },
];

/** Rows of `kubectl get` output split into cells (columns are separated by 2+ spaces). */
function rows(out: string): string[][] {
  return out.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
}

describe.each(clients)('$name against the embedded API server', ({ bin }) => {
  let api: LocalApi;
  let kubectl: string;
  let dir: string;
  const k = (...args: string[]): Promise<RunResult> =>
    run(kubectl, args, { env: { ...process.env, KUBECONFIG: api.kubeconfigPath }, timeoutMs: 60_000 });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await k(...args);
    expect(r.code, `kubectl ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  beforeAll(async () => {
    kubectl = bin();
    dir = mkdtempSync(join(tmpdir(), 'ordinal-kubectl-'));
    api = await startLocalApi({ listen: '127.0.0.1:0', kubeconfigPath: join(dir, 'kubeconfig') });
    const v = await run(kubectl, ['version', '--client'], { timeoutMs: 30_000 });
    expect(v.code, `${kubectl} is required: ${v.stderr}`).toBe(0);
  });
  afterAll(async () => {
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the book manifests with validation on', async () => {
    const r = await k('create', '-f', KUBIA);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      'persistentvolume/pv-a created', 'persistentvolume/pv-b created', 'persistentvolume/pv-c created',
      'service/kubia created', 'statefulset.apps/kubia created',
    ]);
  });

  it('prints server-side tables with the upstream columns', async () => {
    const sts = rows(await ok('get', 'sts', 'kubia', '-o', 'wide'));
    expect(sts[0]).toEqual(['NAME', 'READY', 'AGE', 'CONTAINERS', 'IMAGES']);
    expect(sts[1]).toEqual(['kubia', '0/2', expect.stringMatching(/^\d+s$/), 'kubia', 'luksa/kubia-pet']);
    const svc = rows(await ok('get', 'svc', 'kubia'));
    expect(svc[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(svc[1]?.slice(0, 5)).toEqual(['kubia', 'ClusterIP', 'None', '<none>', '80/TCP']);
    const pv = rows(await ok('get', 'pv', 'pv-a'));
    expect(pv[0]).toEqual(['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE']);
    expect(pv[1]?.slice(0, 4)).toEqual(['pv-a', '1Mi', 'RWO', 'Recycle']);
  });

  it('describes the StatefulSet', async () => {
    const out = await ok('describe', 'sts', 'kubia');
    expect(out).toMatch(/^Name:\s+kubia$/m);
    expect(out).toMatch(/^Replicas:\s+2 desired/m);
    expect(out).toMatch(/^Volume Claims:\n\s+Name:\s+data$/m);
  });

  it('rejects unknown fields through server-side strict validation', async () => {
    const typo = file('typo.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: typo}\nspec:\n  containers: [{name: c, image: x, imagePullPolicyy: Always}]\n');
    const r = await k('create', '-f', typo);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown field "spec.containers[0].imagePullPolicyy"');
    expect((await k('get', 'po', 'typo')).code).not.toBe(0);
    // kubectl never asks the server to validate a `kind: List`; it validates the items itself
    // against /openapi/v2 (protobuf).
    const list = file('typo-list.yaml', 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: typo2}\n' +
      '  spec:\n    containers: [{name: c, image: x, imagePullPolicyy: Always, ports: [{containerPort: "80"}]}]\n');
    const fromList = await k('create', '-f', list);
    expect(fromList.code).not.toBe(0);
    expect(fromList.stderr).toContain('unknown field "imagePullPolicyy" in io.k8s.api.core.v1.Container');
    expect(fromList.stderr).toContain('invalid type for io.k8s.api.core.v1.ContainerPort.containerPort: got "string", expected "integer"');
  });

  it('applies the manifests, then a changed copy, then the same copy again', async () => {
    const first = await k('apply', '-f', KUBIA);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('statefulset.apps/kubia configured');
    const changed = file('kubia-v2.yaml', readFileSync(KUBIA, 'utf8').replace('replicas: 2', 'replicas: 3').replace('image: luksa/kubia-pet', 'image: luksa/kubia-pet:v2'));
    expect(await ok('apply', '-f', changed)).toContain('statefulset.apps/kubia configured');
    const sts = JSON.parse(await ok('get', 'sts', 'kubia', '-o', 'json'));
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.template.spec.containers).toHaveLength(1);
    expect(sts.spec.template.spec.containers[0]).toMatchObject({ name: 'kubia', image: 'luksa/kubia-pet:v2', ports: [{ name: 'http', containerPort: 8080 }] });
    // Re-applying changes nothing. kubectl still reports the StatefulSet "configured": its
    // volumeClaimTemplates list is atomic and the live copy carries server defaults, so kubectl
    // re-sends it, as against a real cluster (kubernetes/kubernetes#66450).
    const again = await ok('apply', '-f', changed);
    expect(again).toContain('service/kubia unchanged');
    expect(again).toContain('persistentvolume/pv-b unchanged');
    const after = JSON.parse(await ok('get', 'sts', 'kubia', '-o', 'json'));
    expect(after.spec).toEqual(sts.spec);
  });

  it('patches nested pod-spec fields from the OpenAPI schemas without falling back', async () => {
    expect(await ok('apply', '-f', RICH)).toContain('statefulset.apps/rich created');
    const edited = RICH_EDITS.reduce((text, [from, to]) => {
      expect(text).toContain(from);
      return text.replace(from, to);
    }, readFileSync(RICH, 'utf8'));
    const r = await k('apply', '-f', file('rich-v2.yaml', edited));
    expect(r.code, r.stderr).toBe(0);
    // kubectl warns and falls back to its compiled-in types when a schema cannot guide the patch.
    expect(r.stderr).toBe('');
    const spec = JSON.parse(await ok('get', 'sts', 'rich', '-o', 'json')).spec.template.spec;
    const c = spec.containers[0];
    expect(c.resources.requests.cpu).toBe('200m');
    expect(c.securityContext.capabilities.drop).toEqual(['ALL', 'CHOWN']);
    expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '7']);
    expect(c.env[0].valueFrom.fieldRef.fieldPath).toBe('metadata.namespace');
    expect(c.startupProbe.tcpSocket.port).toBe(8080);
    expect(spec.dnsConfig.options).toEqual([{ name: 'ndots', value: '3' }]);
    expect(spec.volumes[0].configMap.items).toEqual([{ key: 'a', path: 'b.conf' }]);
    expect(spec.volumes[1].projected.sources[0].serviceAccountToken.expirationSeconds).toBe(7200);
    expect(spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight).toBe(50);
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values).toEqual(['linux', 'plan9']);
    await ok('delete', 'sts', 'rich');
  });

  it('scales through the scale subresource', async () => {
    expect(await ok('scale', 'sts', 'kubia', '--replicas=4')).toContain('statefulset.apps/kubia scaled');
    const scale = JSON.parse(await ok('get', '--raw', '/apis/apps/v1/namespaces/default/statefulsets/kubia/scale'));
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 4 } });
  });

  it('reads the API server\'s metrics with get --raw /metrics, as from kube-apiserver', async () => {
    const text = await ok('get', '--raw', '/metrics');
    const sets = /^apiserver_storage_objects\{resource="statefulsets\.apps"\} (\d+)$/m.exec(text);
    const listed = JSON.parse(await ok('get', 'sts', '-A', '-o', 'json')).items.length;
    expect(Number(sets?.[1])).toBe(listed);
    expect(text).toMatch(/^ordinal_api_watch_history_events \d+$/m);
  });

  it('annotates and labels', async () => {
    await ok('annotate', 'sts', 'kubia', 'owner=book');
    await ok('label', 'sts', 'kubia', 'tier=db');
    const meta = JSON.parse(await ok('get', 'sts', 'kubia', '-o', 'json')).metadata;
    expect(meta.annotations.owner).toBe('book');
    expect(meta.labels.tier).toBe('db');
  });

  it('edits through KUBE_EDITOR (a strategic merge patch built by kubectl)', async () => {
    const editor = file('editor.sh', '#!/bin/sh\nsed -i -e "s/^  replicas: .*/  replicas: 5/" -e "s#image: luksa/kubia-pet:v2#image: luksa/kubia-pet:v3#" "$1"\n');
    const r = await run(kubectl, ['edit', 'sts', 'kubia'], { env: { ...process.env, KUBECONFIG: api.kubeconfigPath, KUBE_EDITOR: `sh ${editor}` }, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('statefulset.apps/kubia edited');
    const spec = JSON.parse(await ok('get', 'sts', 'kubia', '-o', 'json')).spec;
    expect(spec.replicas).toBe(5);
    expect(spec.template.spec.containers.map((c: { image: string }) => c.image)).toEqual(['luksa/kubia-pet:v3']);
  });

  it('creates a namespace and a service from generators (protobuf request bodies)', async () => {
    expect((await ok('create', 'namespace', 'book')).trim()).toBe('namespace/book created');
    expect(rows(await ok('get', 'ns', 'book'))[1]?.slice(0, 2)).toEqual(['book', 'Active']);
    expect((await ok('create', 'service', 'clusterip', 'web', '-n', 'book', '--tcp=80:8080')).trim()).toBe('service/web created');
    const svc = JSON.parse(await ok('get', 'svc', 'web', '-n', 'book', '-o', 'json'));
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', selector: { app: 'web' }, ports: [{ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' }] });
  });

  it('watches a pod lose its node and go Unknown, and force-deletes it', async () => {
    const watch = spawn(kubectl, ['get', 'po', '-l', 'app=lost', '-w'], { env: { ...process.env, KUBECONFIG: api.kubeconfigPath } });
    let seen = '';
    watch.stdout.on('data', (b: Buffer) => { seen += b.toString(); });
    try {
      await ok('create', '-f', file('lost.yaml', LOST_POD));
      await ok('patch', 'pod', 'lost', '--subresource=status', '--type=merge', '-p', LOST_STATUS);
      const wide = rows(await ok('get', 'po', 'lost', '-o', 'wide'));
      expect(wide[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
      expect(wide[1]).toEqual(['lost', '1/1', 'NodeLost', '0', expect.stringMatching(/^\d+s$/), '10.244.0.9', 'node-gone', '<none>', '<none>']);
      await ok('delete', 'po', 'lost', '--wait=false');
      expect(rows(await ok('get', 'po', 'lost'))[1]?.slice(0, 3)).toEqual(['lost', '1/1', 'Unknown']);
      expect(await ok('describe', 'po', 'lost')).toMatch(/^Status:\s+Terminating/m);
      const deadline = Date.now() + 10_000;
      while (!/\blost\s+1\/1\s+Unknown\b/.test(seen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      watch.kill('SIGKILL');
    }
    const lines = rows(seen);
    expect(lines[0]?.slice(0, 3)).toEqual(['NAME', 'READY', 'STATUS']);
    expect(lines.map((l) => l[2])).toEqual(expect.arrayContaining(['Pending', 'NodeLost', 'Unknown']));
    const force = await k('delete', 'po', 'lost', '--force', '--grace-period=0');
    expect(force.code, force.stderr).toBe(0);
    expect(force.stdout).toMatch(/pod "lost" force deleted/);
    expect(force.stderr).toMatch(/Immediate deletion does not wait/);
    const gone = await k('get', 'po', 'lost');
    expect(gone.stderr).toContain('pods "lost" not found');
  });

  it('explains fields from the OpenAPI v3 documents', async () => {
    const out = await ok('explain', 'sts.spec.volumeClaimTemplates');
    expect(out).toMatch(/KIND:\s+StatefulSet/);
    expect(out).toContain('volumeClaimTemplates');
  });

  it('deletes what it created', async () => {
    const out = await ok('delete', '-f', KUBIA);
    expect(out).toContain('statefulset.apps "kubia" deleted');
    expect((await k('get', 'sts', 'kubia')).code).not.toBe(0);
  });
});

/**
 * Differential checks against a real kube-apiserver 1.36 (scripts/build-e2e-bins.sh): the same
 * inputs go through kube-apiserver and through src/local/kubectl, and the results must agree.
 */
describe('kubectl modules agree with kube-apiserver 1.36', () => {
  let plane: ControlPlane;
  let ca: string;
  const NS = 'kdiff';

  type Res = { status: number; json: any };
  const req = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> =>
    new Promise((resolveReq, reject) => {
      const u = new URL(path, plane.server);
      const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body);
      const r = httpsRequest(u, {
        method, ca,
        headers: { authorization: `Bearer ${plane.token}`, accept: 'application/json', ...(data ? { 'content-type': 'application/json' } : {}), ...headers },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolveReq({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
        });
      });
      r.on('error', reject);
      r.end(data);
    });
  const must = async (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any> => {
    const r = await req(method, path, body, headers);
    expect(r.status, `${method} ${path}: ${JSON.stringify(r.json)}`).toBeLessThan(300);
    return r.json;
  };

  beforeAll(async () => {
    plane = await startControlPlane();
    ca = readFileSync(plane.caFile, 'utf8');
    await must('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  });
  afterAll(async () => {
    await plane?.stop();
  });

  /** The StatefulSet every patch case starts from (dry-run patches never change it). */
  const ensureSts = async (): Promise<any> => {
    const base = `/apis/apps/v1/namespaces/${NS}/statefulsets`;
    if ((await req('GET', `${base}/web`)).status === 404) await must('POST', base, STS_BASE);
    return must('GET', `${base}/web`);
  };

  it.each(PATCH_CASES)('strategic merge patch: $name', async ({ patch }) => {
    const base = `/apis/apps/v1/namespaces/${NS}/statefulsets`;
    const current = await ensureSts();
    const server = await must('PATCH', `${base}/web?dryRun=All`, patch, { 'content-type': 'application/strategic-merge-patch+json' });
    const local = await must('PUT', `${base}/web?dryRun=All`, applyPatch(current, 'strategic', patch, 'StatefulSet'));
    const view = (o: any): unknown => ({ labels: o.metadata.labels, annotations: o.metadata.annotations, finalizers: o.metadata.finalizers, spec: o.spec });
    expect(view(local)).toEqual(view(server));
  });

  it.each(OTHER_PATCH_CASES)('$name', async ({ type, patch }) => {
    const base = `/apis/apps/v1/namespaces/${NS}/statefulsets`;
    const current = await ensureSts();
    const contentType = type === 'merge' ? 'application/merge-patch+json' : 'application/json-patch+json';
    const server = await must('PATCH', `${base}/web?dryRun=All`, patch, { 'content-type': contentType });
    const local = await must('PUT', `${base}/web?dryRun=All`, applyPatch(current, type, patch, 'StatefulSet'));
    const view = (o: any): unknown => ({ labels: o.metadata.labels, annotations: o.metadata.annotations, spec: o.spec });
    expect(view(local)).toEqual(view(server));
  });

  it('prints the same pod rows and columns', async () => {
    const base = `/api/v1/namespaces/${NS}/pods`;
    for (const c of POD_CASES) {
      await must('POST', base, { metadata: { name: c.name }, spec: { nodeName: 'node-0', containers: [{ name: 'c', image: 'x' }], ...c.spec } });
      if (c.status) await must('PATCH', `${base}/${c.name}/status`, { status: c.status }, { 'content-type': 'application/merge-patch+json' });
      if (c.remove) await must('DELETE', `${base}/${c.name}`);
    }
    await compareTables('pods', base);
  });

  it('prints the same rows for the other served resources', async () => {
    await must('POST', `/api/v1/namespaces/${NS}/services`, { metadata: { name: 'kubia' }, spec: { clusterIP: 'None', selector: { app: 'kubia' }, ports: [{ port: 80 }] } });
    await must('POST', `/api/v1/namespaces/${NS}/services`, { metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 53, protocol: 'UDP' }] } });
    await must('POST', `/api/v1/namespaces/${NS}/services`, { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    await must('POST', '/api/v1/persistentvolumes', { metadata: { name: 'kdiff-pv' }, spec: { capacity: { storage: '1Mi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], persistentVolumeReclaimPolicy: 'Recycle', hostPath: { path: '/tmp/kdiff' } } });
    await must('POST', `/api/v1/namespaces/${NS}/persistentvolumeclaims`, { metadata: { name: 'data-kubia-0' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } }, storageClassName: 'fast' } });
    // A bound claim and volume, and a claim being deleted (pvc-protection keeps it, Terminating).
    await must('POST', '/api/v1/persistentvolumes', { metadata: { name: 'kdiff-bound' }, spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOncePod'],
      persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'fast', volumeMode: 'Block', hostPath: { path: '/tmp/kb' }, claimRef: { namespace: NS, name: 'bound' } } });
    await must('PATCH', '/api/v1/persistentvolumes/kdiff-bound/status', { status: { phase: 'Bound' } }, { 'content-type': 'application/merge-patch+json' });
    await must('POST', `/api/v1/namespaces/${NS}/persistentvolumeclaims`, { metadata: { name: 'bound' }, spec: { accessModes: ['ReadWriteOncePod'], volumeName: 'kdiff-bound',
      volumeMode: 'Block', storageClassName: 'fast', resources: { requests: { storage: '2Gi' } } } });
    await must('PATCH', `/api/v1/namespaces/${NS}/persistentvolumeclaims/bound/status`, { status: { phase: 'Bound', accessModes: ['ReadWriteOncePod'], capacity: { storage: '2Gi' } } },
      { 'content-type': 'application/merge-patch+json' });
    await must('POST', `/api/v1/namespaces/${NS}/persistentvolumeclaims`, { metadata: { name: 'going', finalizers: ['example.com/hold'] }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } });
    await must('DELETE', `/api/v1/namespaces/${NS}/persistentvolumeclaims/going`);
    await must('POST', `/api/v1/namespaces/${NS}/services`, { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', externalIPs: ['192.0.2.7'], ports: [{ port: 443 }] } });
    await must('POST', `/api/v1/namespaces/${NS}/services`, { metadata: { name: 'ext-ips' }, spec: { externalIPs: ['192.0.2.8', '192.0.2.9'], selector: { a: 'b', c: 'd' }, ports: [{ port: 80 }] } });
    await must('POST', `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`, { metadata: { name: 'manual' }, addressType: 'IPv4',
      ports: [{ name: 'a', port: 80 }, { name: 'named' }, { name: 'c', port: 81 }, { name: 'd', port: 82 }],
      endpoints: [1, 2, 3, 4, 5].map((i) => ({ addresses: [`10.1.0.${i}`], conditions: { ready: true } })) });
    const micro = (): string => new Date().toISOString().replace(/Z$/, '000Z'); // MicroTime: six fractional digits
    await must('POST', `/apis/events.k8s.io/v1/namespaces/${NS}/events`, { metadata: { name: 'new-style' }, eventTime: micro(), reportingController: 'ordinal',
      reportingInstance: 'ordinal-0', action: 'Bind', reason: 'Bound', note: 'bound claim', type: 'Normal', regarding: { kind: 'PersistentVolumeClaim', name: 'bound', namespace: NS },
      series: { count: 4, lastObservedTime: micro() } });
    await must('POST', '/api/v1/nodes', { metadata: { name: 'kdiff-node', labels: { 'node-role.kubernetes.io/worker': '' } } });
    await must('PATCH', '/api/v1/nodes/kdiff-node/status', { status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: null }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], nodeInfo: { kubeletVersion: 'v1.36.3', osImage: 'ordinal', kernelVersion: '6.1', containerRuntimeVersion: 'sim://1',
        machineID: '', systemUUID: '', bootID: '', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64' } } }, { 'content-type': 'application/merge-patch+json' });
    await must('POST', '/api/v1/nodes', { metadata: { name: 'kdiff-bare' }, spec: { unschedulable: true } });
    await must('POST', '/api/v1/nodes', { metadata: { name: 'kdiff-arch', labels: { 'kubernetes.io/role': 'edge' } } });
    await must('PATCH', '/api/v1/nodes/kdiff-arch/status', { status: { conditions: [{ type: 'Ready', status: 'False', lastHeartbeatTime: null }],
      nodeInfo: { architecture: 'arm64', operatingSystem: 'linux', kubeletVersion: '', osImage: '', kernelVersion: '', containerRuntimeVersion: '',
        machineID: '', systemUUID: '', bootID: '', kubeProxyVersion: '' } } }, { 'content-type': 'application/merge-patch+json' });
    const sts = await ensureSts();
    await must('POST', `/apis/apps/v1/namespaces/${NS}/controllerrevisions`, { metadata: { name: 'web-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: sts.metadata.uid, controller: true }] }, data: {}, revision: 1 });
    await must('POST', `/api/v1/namespaces/${NS}/events`, { metadata: { name: 'web.1' }, involvedObject: { kind: 'StatefulSet', name: 'web', namespace: NS },
      reason: 'SuccessfulCreate', message: 'create Pod web-0 in StatefulSet web successful', type: 'Normal', source: { component: 'statefulset-controller' }, count: 2,
      firstTimestamp: new Date(Date.now() - 60_000).toISOString(), lastTimestamp: new Date().toISOString() });
    await must('POST', `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`, { metadata: { name: 'leader' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } });
    await waitFor(async () => ((await must('GET', `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`)).items.length >= 1), 30_000, { what: 'EndpointSlices' });
    for (const [resource, path] of [
      ['services', `/api/v1/namespaces/${NS}/services`], ['statefulsets', `/apis/apps/v1/namespaces/${NS}/statefulsets`],
      ['controllerrevisions', `/apis/apps/v1/namespaces/${NS}/controllerrevisions`], ['persistentvolumes', '/api/v1/persistentvolumes'],
      ['persistentvolumeclaims', `/api/v1/namespaces/${NS}/persistentvolumeclaims`], ['nodes', '/api/v1/nodes'], ['namespaces', '/api/v1/namespaces'],
      ['events', `/api/v1/namespaces/${NS}/events`], ['events.events.k8s.io', `/apis/events.k8s.io/v1/namespaces/${NS}/events`], ['leases', `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`],
      ['endpointslices', `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`],
    ] as const) await compareTables(resource, path);
  });

  /** GET the list as JSON and as a Table; our Table for the JSON items must match, time columns aside. */
  async function compareTables(resource: string, path: string): Promise<void> {
    const list = await must('GET', path);
    const table = await must('GET', path, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    const ours = toTable(resource, list.items, new Date());
    const cols = (t: { columnDefinitions: { name: string; type: string; format: string; priority: number }[] }): unknown[] =>
      t.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]);
    expect(cols(ours), `${resource} columns`).toEqual(cols(table));
    const timeCols = new Set(table.columnDefinitions.map((c: { name: string }, i: number) => (['Age', 'Last Seen', 'First Seen'].includes(c.name) ? i : -1)));
    const norm = (cells: unknown[]): unknown[] => cells.map((c, i) => (timeCols.has(i) ? '<time>' : typeof c === 'string' ? c.replace(/\(\S+ ago\)/, '(ago)') : c));
    const byName = (rows: { cells: unknown[]; object?: any }[]): Record<string, unknown[]> =>
      Object.fromEntries(rows.map((r) => [r.object.metadata.name, norm(r.cells)]));
    expect(byName(ours.rows), `${resource} rows`).toEqual(byName(table.rows));
  }

  it.each(['create-service-clusterip-svc-a.pb', 'create-service-nodeport-svc-b.pb', 'create-service-headless-svc-d.pb'])(
    'decodes the protobuf body %s as kube-apiserver does', async (fixture) => {
      const bytes = readFileSync(join(REPO_ROOT, 'test/local/kubectl/fixtures', fixture));
      const path = `/api/v1/namespaces/${NS}/services?dryRun=All`;
      const server = await must('POST', path, bytes, { 'content-type': 'application/vnd.kubernetes.protobuf' });
      const local = await must('POST', path, decodeProtobufBody(bytes, 'services'));
      const view = (o: any): unknown => ({ name: o.metadata.name, labels: o.metadata.labels, spec: { ...o.spec, clusterIP: undefined, clusterIPs: undefined, ports: o.spec.ports?.map((p: any) => ({ ...p, nodePort: p.nodePort && 'set' })) } });
      expect(view(local)).toEqual(view(server));
    });

  it('merges pod conditions by type in a status patch', async () => {
    const base = `/api/v1/namespaces/${NS}/pods`;
    if ((await req('GET', `${base}/cond`)).status === 404) {
      await must('POST', base, { metadata: { name: 'cond' }, spec: { nodeName: 'node-0', containers: [{ name: 'c', image: 'x' }] } });
      await must('PATCH', `${base}/cond/status`, { status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }] } },
        { 'content-type': 'application/merge-patch+json' });
    }
    const current = await must('GET', `${base}/cond`);
    const patch = { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'NodeLost' }, { type: 'DisruptionTarget', status: 'True' }] } };
    const server = await must('PATCH', `${base}/cond/status?dryRun=All`, patch, { 'content-type': 'application/strategic-merge-patch+json' });
    const local = await must('PUT', `${base}/cond/status?dryRun=All`, applyPatch(current, 'strategic', patch, 'Pod'));
    const conds = (o: any): unknown => o.status.conditions.map((c: any) => [c.type, c.status, c.reason]);
    expect(conds(local)).toEqual(conds(server));
  });

  it('declares the same fields, patch strategies, merge keys and required fields as kube-apiserver', async () => {
    const theirs: Record<string, any> = {};
    for (const gv of ['api/v1', 'apis/apps/v1', 'apis/discovery.k8s.io/v1', 'apis/events.k8s.io/v1', 'apis/coordination.k8s.io/v1', 'apis/autoscaling/v1']) {
      Object.assign(theirs, (await must('GET', `/openapi/v3/${gv}`)).components.schemas);
    }
    const ours: Record<string, any> = {};
    for (const gv of Object.keys((openapiV3Index() as any).paths)) Object.assign(ours, (openapiV3(gv) as any).components.schemas);
    const problems: string[] = [];
    const shape = (p: any): string => p.type ?? (p.allOf || p.$ref ? 'ref' : p.format ?? '?');
    for (const [name, def] of Object.entries(ours)) {
      const real = theirs[name];
      if (!real) { problems.push(`${name}: no such definition upstream`); continue; }
      const gvks = (d: any): string => JSON.stringify((d['x-kubernetes-group-version-kind'] ?? []).map((g: any) => `${g.group}/${g.version}/${g.kind}`).sort());
      if (gvks(def) !== gvks(real) && !name.endsWith('.DeleteOptions')) problems.push(`${name}: gvk ${gvks(def)} != ${gvks(real)}`);
      if (!def.properties) continue;
      for (const f of Object.keys(real.properties ?? {})) if (!(f in def.properties)) problems.push(`${name}: missing field ${f}`);
      for (const [f, p] of Object.entries<any>(def.properties)) {
        const r = real.properties?.[f];
        if (!r) { problems.push(`${name}: extra field ${f}`); continue; }
        for (const x of ['x-kubernetes-patch-strategy', 'x-kubernetes-patch-merge-key']) if (p[x] !== r[x]) problems.push(`${name}.${f}: ${x} ${p[x]} != ${r[x]}`);
        if (p['x-kubernetes-preserve-unknown-fields'] || shape(r) === 'ref' || f === 'apiVersion' || f === 'kind') continue;
        if (shape(p) !== shape(r) && !(shape(p) === 'ref')) problems.push(`${name}.${f}: type ${shape(p)} != ${shape(r)}`);
      }
      const req = (d: any): string => [...(d.required ?? [])].sort().join(',');
      if (req(def) !== req(real)) problems.push(`${name}: required [${req(def)}] != [${req(real)}]`);
    }
    expect(problems).toEqual([]);
  });

  it.each(TYPO_CASES)('unknown fields: $name', async ({ plural, path, obj }) => {
    const r = await req('POST', `${path.replace('NS', NS)}?fieldValidation=Strict&dryRun=All`, obj);
    expect(r.status).toBe(400);
    const theirs = [...String(r.json.message).matchAll(/unknown field "([^"]+)"/g)].map((m) => m[1]).sort();
    expect(theirs.length).toBeGreaterThan(0);
    expect(validateFields(plural, obj).sort()).toEqual(theirs);
  });
});
