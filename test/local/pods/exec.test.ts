/**
 * pods/exec and pods/attach over WebSocket (v5.channel.k8s.io and v4.channel.k8s.io) on the
 * in-process stack, with a raw `ws` client speaking the channel protocol as client-go does:
 * stdout/stderr frames, stdin with v5's CLOSE, the Status on channel 3 with the exit code, and
 * kube-apiserver's answers before the upgrade.
 */
import { request } from 'node:https';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { waitFor } from '../sim/cluster.ts';
import { startPodsStack, type PodsStack } from './stack.ts';

const waitUntil = (ok: () => boolean): Promise<true> => waitFor('output', () => Promise.resolve(ok() ? true : undefined), 10_000);

interface Result {
  protocol: string;
  stdout: string;
  stderr: string;
  status: Record<string, unknown> | undefined;
  closeCode: number;
}

const POD = '/api/v1/namespaces/default/pods';

function session(s: PodsStack, path: string, opts: { protocol?: string; stdin?: Buffer[]; closeStdin?: boolean } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://${s.api.host}:${s.api.port}${path}`, [opts.protocol ?? 'v5.channel.k8s.io'], { ca: s.api.caPem, headers: { authorization: `Bearer ${s.api.token}` } });
    const r: Result = { protocol: '', stdout: '', stderr: '', status: undefined, closeCode: 0 };
    ws.on('open', () => {
      r.protocol = ws.protocol;
      for (const b of opts.stdin ?? []) ws.send(Buffer.concat([Buffer.from([0]), b]));
      if (opts.closeStdin) ws.send(Buffer.from([255, 0]));
    });
    ws.on('message', (d: Buffer) => {
      const body = d.subarray(1).toString();
      if (d[0] === 1) r.stdout += body;
      if (d[0] === 2) r.stderr += body;
      if (d[0] === 3) r.status = JSON.parse(body) as Record<string, unknown>;
    });
    ws.on('close', (code) => { r.closeCode = code; resolve(r); });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body: JSON.parse(body) as unknown })));
    });
    ws.on('error', (err) => { if (!/Unexpected server response/.test(err.message)) reject(err); });
  });
}

const exec = (pod: string, argv: string[], extra = 'stdout=true&stderr=true'): string => `${POD}/${pod}/exec?${argv.map((a) => `command=${encodeURIComponent(a)}`).join('&')}&container=kubia&${extra}`;
const exitCode = (code: number): Record<string, unknown> => ({ metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(code) }] } });
const SUCCESS = { metadata: {}, status: 'Success' };

describe('exec and attach over WebSocket', () => {
  let s: PodsStack;
  beforeAll(async () => {
    s = await startPodsStack();
    await s.ready('kubia-0');
    await s.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'unscheduled' }, spec: { schedulerName: 'nobody', containers: [{ name: 'kubia', image: 'luksa/kubia' }] } } });
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
    if (s) await rm(s.dataDir, { recursive: true, force: true });
  });

  it.each([
    [['echo', 'hello', 'world'], 'hello world\n', '', SUCCESS],
    [['hostname'], 'kubia-0\n', '', SUCCESS],
    [['ls', '/var'], 'data\n', '', SUCCESS],
    [['sh', '-c', 'echo stored > /var/data/kubia.txt && cat /var/data/kubia.txt; echo "$HOSTNAME"'], 'stored\nkubia-0\n', '', SUCCESS],
    [['cat', '/nope'], '', 'cat: /nope: No such file or directory\n', exitCode(1)],
    [['ls', '/nope'], '', "ls: cannot access '/nope': No such file or directory\n", exitCode(2)],
    [['sh', '-c', 'false || exit 3'], '', '', exitCode(3)],
    [['no-such-command'], '', 'exec: "no-such-command": executable file not found in $PATH\n', exitCode(127)],
  ])('%j', async (argv, stdout, stderr, status) => {
    const r = await session(s, exec('kubia-0', argv));
    expect(r).toMatchObject({ protocol: 'v5.channel.k8s.io', stdout, stderr, closeCode: 1000 });
    expect(r.status).toMatchObject(status);
  });

  it('the data written by exec is the app\'s data', async () => {
    await session(s, exec('kubia-0', ['sh', '-c', 'echo -n from-exec > /var/data/kubia.txt']));
    expect((await session(s, exec('kubia-0', ['cat', '/var/data/kubia.txt']))).stdout).toBe('from-exec');
  });

  it('stdin reaches the process and v5 CLOSE ends it', async () => {
    const r = await session(s, exec('kubia-0', ['cat'], 'stdin=true&stdout=true&stderr=true'), { stdin: [Buffer.from('abc\n'), Buffer.from('def\n')], closeStdin: true });
    expect(r).toMatchObject({ stdout: 'abc\ndef\n', status: SUCCESS });
  });

  it.each<[string, string, Buffer[], string, Record<string, unknown>]>([
    ['piped commands run in order, with cd and $?', 'stdin=true&stdout=true&stderr=true',
      [Buffer.from('cd /var/data\nls\nfalse\necho "status $?"\ncd /nope\n')], 'kubia.txt\nstatus 1\n', exitCode(2)],
    ['exit ends the shell with its status', 'stdin=true&stdout=true', [Buffer.from('echo a\nexit 4\necho never\n')], 'a\n', exitCode(4)],
  ])('sh with no script reads stdin: %s', async (_name, flags, stdin, stdout, status) => {
    const r = await session(s, exec('kubia-0', ['sh'], flags), { stdin, closeStdin: true });
    expect(r.stdout).toBe(stdout);
    expect(r.status).toMatchObject(status);
  });

  /** A tty session typed into as a user does: each input after the output it waits for. */
  async function typeInto(argv: string[], steps: Array<[string, string]>): Promise<{ out: string; status: unknown; ms: number[] }> {
    const ws = new WebSocket(`wss://${s.api.host}:${s.api.port}${exec('kubia-0', argv, 'stdin=true&stdout=true&tty=true')}`, ['v5.channel.k8s.io'], { ca: s.api.caPem, headers: { authorization: `Bearer ${s.api.token}` } });
    let out = '';
    let status: unknown;
    ws.on('message', (d: Buffer) => {
      if (d[0] === 1) out += d.subarray(1).toString();
      if (d[0] === 3) status = JSON.parse(d.subarray(1).toString());
    });
    const closed = new Promise((r) => ws.once('close', r));
    await new Promise((r) => ws.once('open', r));
    const ms: number[] = [];
    for (const [input, until] of steps) {
      const t0 = Date.now();
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(input)]));
      await waitUntil(() => out.endsWith(until));
      ms.push(Date.now() - t0);
    }
    await closed;
    return { out, status, ms };
  }

  it('a tty prompts, echoes and edits; cd moves the prompt; ^D ends the shell', async () => {
    const r = await typeInto(['sh'], [['cd /var\r', '/var # '], ['lx\x7fs\r', 'data\r\n/var # '], ['\x04', '\r\n']]);
    expect(r.out).toBe('/ # cd /var\r\n/var # lx\b \bs\r\ndata\r\n/var # \r\n');
    expect(r.status).toMatchObject(SUCCESS);
  });

  it('^C on a tty stops the running command and the shell goes on', async () => {
    const r = await typeInto(['sh'], [['sleep 30\r', 'sleep 30\r\n'], ['\x03', '^C\r\n/ # '], ['echo $?\r', '130\r\n/ # '], ['exit\r', 'exit\r\n']]);
    expect(r.out).toBe('/ # sleep 30\r\n^C\r\n/ # echo $?\r\n130\r\n/ # exit\r\n');
    expect(r.ms[1]).toBeLessThan(5000);
    expect(r.status).toMatchObject(SUCCESS);
  });

  it('attach feeds the container\'s stdin; with stdinOnce, leaving ends the shell and the pod', async () => {
    await s.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'shell' }, spec: { restartPolicy: 'Never', containers: [{ name: 'shell', image: 'busybox', command: ['sh'], stdin: true, stdinOnce: true, tty: true }] } } });
    await s.ready('shell');
    const ws = new WebSocket(`wss://${s.api.host}:${s.api.port}${POD}/shell/attach?container=shell&stdin=true&stdout=true&tty=true`, ['v5.channel.k8s.io'], { ca: s.api.caPem, headers: { authorization: `Bearer ${s.api.token}` } });
    let out = '';
    ws.on('message', (d: Buffer) => { if (d[0] === 1) out += d.subarray(1).toString(); });
    await new Promise((r) => ws.once('open', r));
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hostname\r')]));
    await waitUntil(() => out.includes('shell\r\n/ # '));
    expect(out).toBe('hostname\r\nshell\r\n/ # ');
    ws.close();
    const done = await waitFor('shell Succeeded', async () => {
      const p = await s.core.readNamespacedPod({ name: 'shell', namespace: 'default' });
      return p.status?.phase === 'Succeeded' ? p : undefined;
    }, 10_000);
    expect(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
  });

  it('v4.channel.k8s.io works too', async () => {
    const r = await session(s, exec('kubia-0', ['echo', 'v4']), { protocol: 'v4.channel.k8s.io' });
    expect(r).toMatchObject({ protocol: 'v4.channel.k8s.io', stdout: 'v4\n', status: SUCCESS, closeCode: 1000 });
  });

  it('a tty turns newlines into CRLF and sends stderr on stdout', async () => {
    const r = await session(s, exec('kubia-0', ['sh', '-c', 'echo out; cat /nope'], 'stdout=true&tty=true'));
    expect(r).toMatchObject({ stdout: 'out\r\ncat: /nope: No such file or directory\r\n', stderr: '' });
  });

  it('a client that goes away in the middle ends the process; the next exec works', async () => {
    const ws = new WebSocket(`wss://${s.api.host}:${s.api.port}${exec('kubia-0', ['sleep', '30'])}`, ['v5.channel.k8s.io'], { ca: s.api.caPem, headers: { authorization: `Bearer ${s.api.token}` } });
    await new Promise((r) => ws.once('open', r));
    ws.terminate();
    expect((await session(s, exec('kubia-0', ['echo', 'ok']))).stdout).toBe('ok\n');
  });

  it('attach streams the container\'s output from now on', async () => {
    const ws = new WebSocket(`wss://${s.api.host}:${s.api.port}${POD}/kubia-0/attach?container=kubia&stdout=true&stderr=true`, ['v5.channel.k8s.io'], { ca: s.api.caPem, headers: { authorization: `Bearer ${s.api.token}` } });
    let out = '';
    ws.on('message', (d: Buffer) => { if (d[0] === 1) out += d.subarray(1).toString(); });
    await new Promise((r) => ws.once('open', r));
    const pod = await s.core.readNamespacedPod({ name: 'kubia-0', namespace: 'default' });
    const { podRequest } = await import('../../../src/local/sim/runtime/pod-http.ts');
    (await podRequest(s.runtime.network, pod.status?.podIP ?? '', 8080, { method: 'POST', path: '/', body: 'x' })).resume();
    await new Promise<void>((r) => { const t = setInterval(() => { if (out) { clearInterval(t); r(); } }, 20); });
    expect(out).toBe('New data has been received and stored.\n');
    ws.close();
  });

  it.each([
    [exec('nope', ['ls']), 404, 'NotFound', 'pods "nope" not found'],
    [`${POD}/kubia-0/exec?command=ls&container=x&stdout=true`, 400, 'BadRequest', 'container x is not valid for pod kubia-0'],
    [`${POD}/unscheduled/exec?command=ls&stdout=true`, 400, 'BadRequest', 'pod unscheduled does not have a host assigned'],
  ])('before the upgrade: %s is %i', async (path, code, reason, message) => {
    await expect(session(s, path)).rejects.toMatchObject({ status: code, body: { kind: 'Status', code, reason, message } });
  });

  it.each([
    ['GET', 'websocket-less', 400, 'Upgrade request required'],
    ['POST', 'SPDY/3.1', 400, 'SPDY is not supported by ordinal local: exec and attach need WebSocket (kubectl 1.30 or later, without KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)'],
  ])('%s with %s: %i', async (method, upgrade, code, message) => {
    const headers: Record<string, string> = { authorization: `Bearer ${s.api.token}` };
    if (upgrade !== 'websocket-less') Object.assign(headers, { connection: 'Upgrade', upgrade, 'x-stream-protocol-version': 'v4.channel.k8s.io' });
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: s.api.host, port: s.api.port, method, path: exec('kubia-0', ['ls']), ca: s.api.caPem, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => { body += c.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(reply.status).toBe(code);
    expect(JSON.parse(reply.body)).toMatchObject({ kind: 'Status', reason: 'BadRequest', message });
  });
});
