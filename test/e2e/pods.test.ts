/**
 * Running pods with the real kubectl (issue 11, book sections 10.3.3 onwards): `kubectl proxy`
 * then curl to kubia-0 (GET, POST, delete the pod, the data survives), `kubia-public` through
 * `services/kubia-public/proxy/`, `kubectl logs` and `logs -f` until the container stops. Then
 * the error paths of proxy and log that need no kubelet, compared with a real kube-apiserver.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBins } from './harness/bins.ts';
import { startControlPlane, type ControlPlane } from './harness/plane.ts';
import { run, waitFor, type RunResult } from './harness/util.ts';
import { startLocalCluster, type LocalCluster } from './local-cluster.ts';

const GREETING = 'Hey there! This greeting was submitted to kubia-0.';
const POD = '/api/v1/namespaces/default/pods';
const SVC = '/api/v1/namespaces/default/services';

/** Objects both clusters get for the error-path comparison (no kubelet needed to answer). */
const FIXTURES = `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: unscheduled}, spec: {schedulerName: nobody, containers: [{name: c, image: luksa/kubia, ports: [{containerPort: 8080}]}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: two}, spec: {schedulerName: nobody, initContainers: [{name: i, image: busybox}], containers: [{name: a, image: busybox}, {name: b, image: busybox}]}}
- {apiVersion: v1, kind: Service, metadata: {name: kubia-public}, spec: {selector: {app: kubia}, ports: [{port: 80, targetPort: 8080}]}}
`;

/** Record lines of dig's sections, TTLs masked (the DNS TTL counts down in caches, not here). */
function recordLines(out: string): string[] {
  return out.replace(/\r/g, '').split('\n').filter((l) => /^;?kubia[a-z0-9.-]*\.\s/.test(l)).map((l) => l.replace(/^(\S+\s+)\d+(\s)/, '$1TTL$2'));
}

async function curl(...args: string[]): Promise<string> {
  const r = await run('curl', ['-sS', ...args], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`curl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `kubectl proxy --port=0`, resolved with its address once it serves. */
async function kubectlProxy(kubeconfig: string): Promise<{ url: string; child: ChildProcess }> {
  const { kubectl } = requireBins(['kubectl']);
  const child = spawn(kubectl, ['proxy', '--port=0'], { env: { ...process.env, KUBECONFIG: kubeconfig } });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
  const addr = await waitFor(() => /Starting to serve on (\S+)/.exec(out)?.[1], 20_000, { what: 'kubectl proxy' });
  return { url: `http://${addr}`, child };
}

describe('the book\'s pods with the real kubectl against ordinal local', () => {
  let c: LocalCluster;
  let proxy: { url: string; child: ChildProcess };
  beforeAll(async () => {
    c = await startLocalCluster(['--ready-delay', '200ms', '--node-grace-period', '2s']);
    proxy = await kubectlProxy(c.kubeconfig);
    await waitFor(async () => (await c.kubectl('wait', '--for=condition=Ready', 'pod/kubia-1', '--timeout=5s')).code === 0, 60_000, { what: 'kubia-1 Ready' });
  });
  afterAll(async () => {
    proxy?.child.kill();
    await c?.stop();
  });

  it('proxy and curl to kubia-0: GET, POST, GET', async () => {
    expect(await curl(`${proxy.url}${POD}/kubia-0/proxy/`)).toBe("You've hit kubia-0\nData stored on this pod: No data posted yet\n");
    expect(await curl('-X', 'POST', '-d', GREETING, `${proxy.url}${POD}/kubia-0/proxy/`)).toBe('Data stored on pod kubia-0\n');
    expect(await curl(`${proxy.url}${POD}/kubia-0/proxy/`)).toBe(`You've hit kubia-0\nData stored on this pod: ${GREETING}\n`);
    const dirs = readdirSync(join(c.dataDir, 'hostpath', 'tmp'));
    expect(dirs.map((d) => { try { return readFileSync(join(c.dataDir, 'hostpath', 'tmp', d, 'kubia.txt'), 'utf8'); } catch { return ''; } })).toContain(GREETING);
  });

  it('kubectl logs shows the app\'s line; a bad container gets kubectl\'s own error', async () => {
    expect(await c.k('logs', 'kubia-0')).toBe('New data has been received and stored.\n');
    const r = await c.kubectl('logs', 'kubia-0', '--previous');
    expect(r).toMatchObject({ code: 1, stderr: 'Error from server (BadRequest): previous terminated container "kubia" in pod "kubia-0" not found\n' });
  });

  it('kubectl logs -f streams until the container stops', async () => {
    const { kubectl } = requireBins(['kubectl']);
    const follow = spawn(kubectl, ['logs', '-f', 'kubia-1'], { env: { ...process.env, KUBECONFIG: c.kubeconfig } });
    let out = '';
    follow.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    const exited = new Promise<number | null>((r) => follow.once('exit', r));
    await curl('-X', 'POST', '-d', 'one', `${proxy.url}${POD}/kubia-1/proxy/`);
    await waitFor(() => out === 'New data has been received and stored.\n', 10_000, { what: 'the first streamed line' });
    await c.k('delete', 'po', 'kubia-1', '--wait=false');
    expect(await exited).toBe(0);
  });

  it('deleting kubia-0: the replacement serves the same data', async () => {
    await c.k('delete', 'po', 'kubia-0');
    await waitFor(async () => (await c.kubectl('wait', '--for=condition=Ready', 'pod/kubia-0', '--timeout=5s')).code === 0, 60_000, { what: 'kubia-0 back' });
    expect(await curl(`${proxy.url}${POD}/kubia-0/proxy/`)).toBe(`You've hit kubia-0\nData stored on this pod: ${GREETING}\n`);
  });

  it('kubectl exec kubia-0 -- cat /var/data/kubia.txt, an unknown command, and the SPDY fallback', async () => {
    expect(await c.k('exec', 'kubia-0', '--', 'cat', '/var/data/kubia.txt')).toBe(GREETING);
    expect(await c.kubectl('exec', 'kubia-0', '--', 'no-such-command')).toMatchObject({
      code: 127, stderr: 'exec: "no-such-command": executable file not found in $PATH\ncommand terminated with exit code 127\n',
    });
    const { kubectl } = requireBins(['kubectl']);
    const spdy = await run(kubectl, ['exec', 'kubia-0', '--', 'ls'], { env: { ...process.env, KUBECONFIG: c.kubeconfig, KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' } });
    expect(spdy.code).toBe(1);
    expect(spdy.stderr).toMatch(/SPDY is not supported by ordinal local/);
  });

  it('sh reads its commands from kubectl exec -i and from kubectl run -i --rm (attach with stdinOnce)', async () => {
    const { kubectl } = requireBins(['kubectl']);
    const env = { ...process.env, KUBECONFIG: c.kubeconfig };
    const exec = await run(kubectl, ['exec', '-i', 'kubia-0', '--', 'sh'], { env, input: 'cd /var/data\nls\necho "$HOSTNAME"\nexit 3\n' });
    expect(exec).toMatchObject({ code: 3, stdout: 'kubia.txt\nkubia-0\n', stderr: 'command terminated with exit code 3\n' });
    const runI = await run(kubectl, ['run', '-i', '--rm', 'shell', '--image=busybox', '--restart=Never', '--', 'sh'], { env, input: 'hostname\necho bye\n' });
    expect(runI.code, runI.stderr).toBe(0);
    expect(runI.stdout).toMatch(/^(If you don't see a command prompt, try pressing enter\.\n)?shell\nbye\npod "shell" deleted/);
    await waitFor(async () => (await c.kubectl('get', 'po', 'shell')).code !== 0, 20_000, { what: 'shell gone' });
  });

  it('kubectl run -it --rm srvlookup --image=tutum/dnsutils --restart=Never -- dig SRV: dig\'s answer, then the pod is deleted', async () => {
    const r = await c.kubectl('run', '-it', '--rm', 'srvlookup', '--image=tutum/dnsutils', '--restart=Never', '--', 'dig', 'SRV', 'kubia.default.svc.cluster.local');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/; <<>> DiG 9\.9\.5-3ubuntu0\.2-Ubuntu <<>> SRV kubia\.default\.svc\.cluster\.local\n/);
    expect(r.stdout.match(/\tSRV\t0 50 8080 kubia-[01]\.kubia\.default\.svc\.cluster\.local\.\n/g)).toHaveLength(2);
    expect(r.stdout).toMatch(/pod "srvlookup" deleted/);
    // The same record lines, byte for byte, as the real dig prints for the same question.
    const real = await run('dig', ['@127.0.0.1', '-p', String(c.dnsPort), 'SRV', 'kubia.default.svc.cluster.local']);
    expect(recordLines(r.stdout).sort()).toEqual(recordLines(real.stdout).sort());
    await waitFor(async () => (await c.kubectl('get', 'po', 'srvlookup')).code !== 0, 20_000, { what: 'srvlookup gone' });
  });

  it('kubia-public through services/kubia-public/proxy/', async () => {
    await run(requireBins(['kubectl']).kubectl, ['apply', '-f', '-'], { input: FIXTURES, env: { ...process.env, KUBECONFIG: c.kubeconfig } });
    const body = await waitFor(async () => {
      const b = await curl(`${proxy.url}${SVC}/kubia-public/proxy/`);
      return b.startsWith("You've hit") ? b : undefined;
    }, 20_000, { what: 'kubia-public answers' });
    expect(body).toMatch(/^You've hit kubia-[01]\nData stored on this pod: /);
  });

  it('kubectl edit to the peers image with 3 replicas, then one GET lists every peer\'s data', async () => {
    const editor = join(c.dataDir, 'editor.sh');
    writeFileSync(editor, "#!/bin/sh\nsed -i -e 's#image: luksa/kubia-pet$#image: luksa/kubia-pet-peers#' -e 's/^  replicas: 2$/  replicas: 3/' \"$1\"\n", { mode: 0o755 });
    const { kubectl } = requireBins(['kubectl']);
    const r = await run(kubectl, ['edit', 'statefulset', 'kubia'], { env: { ...process.env, KUBECONFIG: c.kubeconfig, EDITOR: editor, KUBE_EDITOR: editor } });
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'statefulset.apps/kubia edited\n' });
    const want = new Set([
      `- kubia-0.kubia.default.svc.cluster.local: ${GREETING}`,
      '- kubia-1.kubia.default.svc.cluster.local: one',
      '- kubia-2.kubia.default.svc.cluster.local: No data posted yet',
    ]);
    const body = await waitFor(async () => {
      const b = await curl(`${proxy.url}${SVC}/kubia-public/proxy/`).catch(() => '');
      const lines = b.split('\n');
      const peers = new Set(lines.slice(2).filter(Boolean));
      return /^You've hit kubia-[012]$/.test(lines[0] ?? '') && lines[1] === 'Data stored in the cluster:' && peers.size === 3 && [...want].every((w) => peers.has(w)) ? b : undefined;
    }, 90_000, { what: 'the peers image listing all three peers' });
    expect(body.endsWith('\n')).toBe(true);
  });

  it('node loss: kubia-0 stays Unknown when deleted, a force delete brings it back elsewhere with its data', async () => {
    const node = (await c.json('get', 'po', 'kubia-0')).spec.nodeName as string;
    await c.k('annotate', 'node', node, 'sim.ordinal.dev/lost=true');
    await waitFor(async () => (await c.json('get', 'po', 'kubia-0')).status.phase === 'Unknown', 30_000, { what: 'kubia-0 Unknown' });
    await c.k('delete', 'po', 'kubia-0', '--wait=false');
    expect((await c.k('get', 'po', 'kubia-0', '--no-headers')).split(/\s+/)[2]).toBe('Unknown');
    await c.k('delete', 'po', 'kubia-0', '--force', '--grace-period=0');
    await waitFor(async () => {
      const p = await c.json('get', 'po', 'kubia-0').catch(() => undefined);
      return p && !p.metadata.deletionTimestamp && p.spec.nodeName && p.spec.nodeName !== node && p.status.conditions?.some((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'True');
    }, 60_000, { what: 'kubia-0 Ready on another node' });
    const body = await curl(`${proxy.url}${POD}/kubia-0/proxy/data`);
    expect(body).toBe(GREETING);
    await c.k('annotate', 'node', node, 'sim.ordinal.dev/lost-');
  });
});

/** Raw GETs whose answer needs no kubelet: ordinal must answer exactly as kube-apiserver. */
const RAW = [
  `${POD}/nope/proxy/`, `${POD}/a:b:c:d/proxy/`, `${POD}/ftp:unscheduled:80/proxy/`, `${POD}/unscheduled/proxy/`,
  `${SVC}/nope/proxy/`, `${SVC}/kubia-public:81/proxy/`,
  `${POD}/nope/log`, `${POD}/two/log`, `${POD}/two/log?container=x`, `${POD}/unscheduled/log`,
  `${POD}/unscheduled/log?tailLines=-1`, `${POD}/unscheduled/log?sinceSeconds=0`, `${POD}/unscheduled/log?limitBytes=0`,
];

describe('proxy and log error paths: ordinal local and kube-apiserver agree', () => {
  let local: LocalCluster;
  let plane: ControlPlane;
  const answers = new Map<string, RunResult[]>();
  beforeAll(async () => {
    [local, plane] = await Promise.all([startLocalCluster(), startControlPlane()]);
    const { kubectl } = requireBins(['kubectl']);
    for (const kc of [local.kubeconfig, plane.kubeconfigPath]) {
      const r = await run(kubectl, ['apply', '-f', '-'], { input: FIXTURES, env: { ...process.env, KUBECONFIG: kc } });
      expect(r.code, r.stderr).toBe(0);
    }
    for (const path of RAW) {
      answers.set(path, await Promise.all([local.kubeconfig, plane.kubeconfigPath].map((kc) => run(kubectl, ['get', '--raw', path], { env: { ...process.env, KUBECONFIG: kc } }))));
    }
  });
  afterAll(async () => {
    await local?.stop();
    await plane?.stop();
  });

  it.each(RAW)('%s', (path) => {
    const [mine, real] = answers.get(path)!;
    expect({ code: mine!.code, stdout: mine!.stdout, stderr: mine!.stderr }).toEqual({ code: real!.code, stdout: real!.stdout, stderr: real!.stderr });
  });
});
