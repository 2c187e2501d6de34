/**
 * `kubectl port-forward` with the real pinned kubectl against ordinal local (issue 11): over the
 * WebSocket tunnel (kubectl's default since 1.31) and over plain SPDY
 * (`KUBECTL_PORT_FORWARD_WEBSOCKETS=false`), GET and POST through the forwarded port, and a pod
 * port where nothing listens, which kubectl reports from the error stream.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBins } from './harness/bins.ts';
import { freePort, run, waitFor } from './harness/util.ts';
import { startLocalCluster, type LocalCluster } from './local-cluster.ts';

interface Forward {
  child: ChildProcess;
  out(): string;
  err(): string;
  stop(): void;
}

async function portForward(c: LocalCluster, env: NodeJS.ProcessEnv, ...args: string[]): Promise<Forward> {
  const { kubectl } = requireBins(['kubectl']);
  const child = spawn(kubectl, ['port-forward', ...args], { env: { ...process.env, KUBECONFIG: c.kubeconfig, ...env } });
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
  await waitFor(() => /Forwarding from 127\.0\.0\.1:/.test(out) || child.exitCode !== null, 20_000, { what: 'kubectl port-forward' });
  if (child.exitCode !== null) throw new Error(`kubectl port-forward exited ${child.exitCode}: ${err}`);
  return { child, out: () => out, err: () => err, stop: () => child.kill() };
}

async function curl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('curl', ['-sS', '--max-time', '20', ...args], { timeoutMs: 30_000 });
}

describe('kubectl port-forward against ordinal local', () => {
  let c: LocalCluster;
  const forwards: Forward[] = [];
  beforeAll(async () => {
    c = await startLocalCluster(['--ready-delay', '200ms']);
    await waitFor(async () => (await c.kubectl('wait', '--for=condition=Ready', 'pod/kubia-0', '--timeout=5s')).code === 0, 60_000, { what: 'kubia-0 Ready' });
  });
  afterAll(async () => {
    for (const f of forwards) f.stop();
    await c?.stop();
  });

  it.each([
    ['WebSocket tunnel (the default)', {}, 'first'],
    ['plain SPDY (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, 'second'],
  ])('%s: GET, POST, GET through the forwarded port', async (_name, env, data) => {
    const port = await freePort();
    const f = await portForward(c, env, 'pod/kubia-0', `${port}:8080`);
    forwards.push(f);
    expect(f.out()).toContain(`Forwarding from 127.0.0.1:${port} -> 8080`);
    const before = await curl(`http://127.0.0.1:${port}/`);
    expect(before).toMatchObject({ code: 0, stdout: expect.stringMatching(/^You've hit kubia-0\nData stored on this pod: /) });
    expect(await curl('-X', 'POST', '-d', `${data} through port-forward`, `http://127.0.0.1:${port}/`)).toMatchObject({ code: 0, stdout: 'Data stored on pod kubia-0\n' });
    expect(await curl(`http://127.0.0.1:${port}/`)).toMatchObject({ code: 0, stdout: `You've hit kubia-0\nData stored on this pod: ${data} through port-forward\n` });
    // Several connections at once share the session, each with its own stream pair.
    const many = await Promise.all(Array.from({ length: 5 }, () => curl(`http://127.0.0.1:${port}/`)));
    expect(many.map((r) => r.stdout)).toEqual(Array(5).fill(`You've hit kubia-0\nData stored on this pod: ${data} through port-forward\n`));
    // 2 MB up and back down: the tunnel's frames and the WebSocket's buffering at size.
    const big = Array.from({ length: 1 << 15 }, (_, i) => `${String(i).padStart(63, '.')}\n`).join('');
    const file = join(c.dataDir, `big-${data}.txt`);
    writeFileSync(file, big);
    expect(await curl('-X', 'POST', '--data-binary', `@${file}`, `http://127.0.0.1:${port}/`)).toMatchObject({ code: 0, stdout: 'Data stored on pod kubia-0\n' });
    const back = await curl(`http://127.0.0.1:${port}/`);
    expect(back.stdout.length).toBe(`You've hit kubia-0\nData stored on this pod: ${big}\n`.length);
    expect(back.stdout === `You've hit kubia-0\nData stored on this pod: ${big}\n`).toBe(true);
    expect(f.out()).toContain('Handling connection for');
    expect(f.err()).toBe('');
    f.stop();
  });

  it('a port where nothing listens: the kubelet\'s error, on the error stream, and kubectl says so', async () => {
    const port = await freePort();
    const f = await portForward(c, {}, 'kubia-0', `${port}:8081`);
    forwards.push(f);
    const r = await curl(`http://127.0.0.1:${port}/`);
    expect(r.code).not.toBe(0);
    const line = await waitFor(() => /.*error forwarding port 8081.*/.exec(f.err())?.[0], 20_000, { what: `kubectl's error line; stderr so far: ${f.err()}` });
    expect(line).toMatch(/an error occurred forwarding \d+ -> 8081: error forwarding port 8081 to pod kubia-0, uid [0-9a-f-]+: dial tcp [0-9.]+:8081: connect: connection refused/);
    f.stop();
  });

  it('a pod that does not exist, and one not running: the same errors as against kube-apiserver', async () => {
    const port = String(await freePort());
    expect(await c.kubectl('port-forward', 'pod/nope', `${port}:8080`)).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): pods "nope" not found\n' });
    await c.k('run', 'pending', '--image=luksa/kubia', '--overrides={"spec":{"schedulerName":"nobody"}}');
    // kubectl itself refuses a pod that is not Running, before any upgrade.
    expect(await c.kubectl('port-forward', 'pod/pending', `${port}:8080`)).toMatchObject({ code: 1, stderr: 'error: unable to forward port because pod is not running. Current status=Pending\n' });
  });
});
