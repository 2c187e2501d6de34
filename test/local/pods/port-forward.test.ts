/**
 * pods/portforward on the in-process stack with a raw SPDY/3.1 client, as kubectl's
 * (client-go portforward + moby/spdystream) speaks it: stream pairs by requestid, the pod's
 * HTTP answer on the data stream, the kubelet's errors on the error stream, PING echoed; and
 * what is refused before the upgrade, as kube-apiserver and the kubelet refuse it.
 */
import { request } from 'node:https';
import type { Duplex } from 'node:stream';
import { rm } from 'node:fs/promises';
import { createDeflate, createInflate, constants as z, type Deflate, type Inflate } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataFrame, decodeHeaderBlock, encodeHeaderBlock, FLAG_FIN, FrameDecoder, PING, pingFrame, SPDY3_DICTIONARY, streamIdOf, SYN_REPLY,
  synStreamFrame, type Headers,
} from '../../../src/local/api/spdy-frame.ts';
import { startPodsStack, type PodsStack } from './stack.ts';

const PF = '/api/v1/namespaces/default/pods';

function zflush(s: Deflate | Inflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const onData = (c: Buffer): number => out.push(c);
    s.on('data', onData);
    s.write(input);
    s.flush(z.Z_SYNC_FLUSH, () => { s.off('data', onData); resolve(Buffer.concat(out)); });
  });
}

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string; socket?: Duplex }

function upgrade(s: PodsStack, path: string, headers: Record<string, string>, method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: s.api.host, port: s.api.port, path, method, ca: s.api.caPem, headers: { authorization: `Bearer ${s.api.token}`, ...headers } });
    req.on('upgrade', (res, socket) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '', socket }));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A minimal spdystream-like client: open streams, collect what each receives until FIN. */
class Client {
  private readonly deflate = createDeflate({ dictionary: SPDY3_DICTIONARY });
  private readonly inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
  private readonly decoder = new FrameDecoder();
  readonly replies: number[] = [];
  readonly pings: number[] = [];
  readonly data = new Map<number, string>();
  readonly fins = new Set<number>();
  private chain: Promise<unknown> = Promise.resolve();
  readonly socket: Duplex;
  constructor(socket: Duplex) {
    this.socket = socket;
    socket.on('data', (c: Buffer) => {
      for (const f of this.decoder.push(c)) {
        if (f.kind === 'data') {
          this.data.set(f.streamId, (this.data.get(f.streamId) ?? '') + f.data.toString());
          if (f.flags & FLAG_FIN) this.fins.add(f.streamId);
        } else if (f.type === SYN_REPLY) {
          const id = streamIdOf(f.payload);
          this.chain = this.chain.then(async () => { expect(decodeHeaderBlock(await zflush(this.inflate, f.payload.subarray(4)))).toEqual({}); this.replies.push(id); });
        } else if (f.type === PING) this.pings.push(f.payload.readUInt32BE(0));
      }
    });
  }
  async open(id: number, h: Headers): Promise<void> {
    this.socket.write(synStreamFrame(id, await zflush(this.deflate, encodeHeaderBlock(h))));
  }
  send(id: number, d: string, fin = false): void {
    this.socket.write(dataFrame(id, Buffer.from(d), fin));
  }
  async until<T>(what: string, f: () => T | undefined, ms = 10_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = f();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ replies: this.replies, data: [...this.data], fins: [...this.fins] })}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  close(): void {
    this.socket.destroy();
    this.deflate.destroy();
    this.inflate.destroy();
  }
}

const SPDY_HEADERS = { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' };

describe('pods/portforward', () => {
  let s: PodsStack;
  let uid: string;
  beforeAll(async () => {
    s = await startPodsStack();
    uid = (await s.ready('kubia-0')).metadata!.uid!;
    await s.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'unscheduled' }, spec: { schedulerName: 'nobody', containers: [{ name: 'kubia', image: 'luksa/kubia' }] } } });
    await s.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'ghost' }, spec: { nodeName: 'no-such-node', containers: [{ name: 'kubia', image: 'luksa/kubia' }] } } });
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
    if (s) await rm(s.dataDir, { recursive: true, force: true });
  });

  it('forwards to the pod port over SPDY: the app answers on the data stream, the error stream ends empty', async () => {
    const r = await upgrade(s, `${PF}/kubia-0/portforward`, SPDY_HEADERS);
    expect(r).toMatchObject({ status: 101, headers: { upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' } });
    const c = new Client(r.socket!);
    try {
      c.socket.write(pingFrame(1));
      await c.open(1, { streamtype: ['error'], port: ['8080'], requestid: ['0'] });
      c.send(1, '', true);
      await c.open(3, { streamtype: ['data'], port: ['8080'], requestid: ['0'] });
      // Sent at once, before the server has dialled: kept, not lost.
      c.send(3, 'GET / HTTP/1.0\r\nHost: x\r\n\r\n');
      await c.until('both FINs', () => c.fins.has(1) && c.fins.has(3));
      expect(c.replies).toEqual([1, 3]);
      expect(c.pings).toEqual([1]);
      expect(c.data.get(1)).toBe(''); // only its FIN
      expect(c.data.get(3)).toMatch(/^HTTP\/1\.[01] 200 OK\r\n[\s\S]*\r\n\r\nYou've hit kubia-0\nData stored on this pod: /);
      // A second pair on the same connection.
      await c.open(5, { streamtype: ['error'], port: ['8080'], requestid: ['1'] });
      await c.open(7, { streamtype: ['data'], port: ['8080'], requestid: ['1'] });
      c.send(7, 'POST / HTTP/1.0\r\nContent-Length: 4\r\n\r\nabcd');
      await c.until('FIN on 7', () => c.fins.has(7));
      expect(c.data.get(7)).toMatch(/\r\n\r\nData stored on pod kubia-0\n$/);
    } finally {
      c.close();
    }
  });

  it('3 MB each way through one stream pair: POSTed in 64 KB frames, read back whole', async () => {
    const body = Array.from({ length: 3 << 14 }, (_, i) => `${String(i).padStart(63, '.')}\n`).join('');
    const r = await upgrade(s, `${PF}/kubia-0/portforward`, SPDY_HEADERS);
    const c = new Client(r.socket!);
    try {
      await c.open(1, { streamtype: ['error'], port: ['8080'], requestid: ['0'] });
      c.send(1, '', true);
      await c.open(3, { streamtype: ['data'], port: ['8080'], requestid: ['0'] });
      c.send(3, `POST / HTTP/1.0\r\nContent-Length: ${body.length}\r\n\r\n`);
      for (let i = 0; i < body.length; i += 65_536) c.send(3, body.slice(i, i + 65_536));
      await c.until('FIN on 3', () => c.fins.has(3), 20_000);
      expect(c.data.get(3)).toMatch(/\r\n\r\nData stored on pod kubia-0\n$/);
      await c.open(5, { streamtype: ['error'], port: ['8080'], requestid: ['1'] });
      await c.open(7, { streamtype: ['data'], port: ['8080'], requestid: ['1'] });
      c.send(7, 'GET / HTTP/1.0\r\n\r\n');
      await c.until('FIN on 7', () => c.fins.has(7), 20_000);
      const got = c.data.get(7)!;
      expect(got.slice(got.indexOf('\r\n\r\n') + 4)).toBe(`You've hit kubia-0\nData stored on this pod: ${body}\n`);
    } finally {
      c.close();
    }
  });

  it.each([
    ['8081', (ip: string) => `error forwarding port 8081 to pod kubia-0, uid ${uid}: dial tcp ${ip}:8081: connect: connection refused`],
    ['0', () => 'port "0" must be > 0'],
    ['http', () => 'unable to parse "http" as a port: strconv.ParseUint: parsing "http": invalid syntax'],
  ])('port %s: the kubelet\'s message on the error stream, then both streams end', async (port, message) => {
    const ip = (await s.core.readNamespacedPod({ name: 'kubia-0', namespace: 'default' })).status!.podIP!;
    const r = await upgrade(s, `${PF}/kubia-0/portforward`, SPDY_HEADERS);
    const c = new Client(r.socket!);
    try {
      await c.open(1, { streamtype: ['error'], port: [port], requestid: ['0'] });
      c.send(1, '', true);
      await c.open(3, { streamtype: ['data'], port: [port], requestid: ['0'] });
      await c.until('both FINs', () => c.fins.has(1) && c.fins.has(3));
      expect(c.data.get(1)).toBe(message(ip));
    } finally {
      c.close();
    }
  });

  it('the WebSocket tunnel: 101 with the SPDY/3.1+portforward.k8s.io subprotocol echoed', async () => {
    const r = await upgrade(s, `${PF}/kubia-0/portforward`, {
      connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io',
    }, 'GET');
    expect(r).toMatchObject({ status: 101, headers: { 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' } });
    r.socket?.destroy();
  });

  const status = (code: number, reason: string, message: string, details?: unknown): string =>
    JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
  it.each([
    ['a missing pod', 'nope', SPDY_HEADERS, 'POST', 404, status(404, 'NotFound', 'pods "nope" not found', { name: 'nope', kind: 'pods' })],
    ['an unscheduled pod', 'unscheduled', SPDY_HEADERS, 'POST', 400, status(400, 'BadRequest', 'pod unscheduled does not have a host assigned')],
    ['a pod with no running sandbox (the kubelet)', 'ghost', SPDY_HEADERS, 'POST', 500, 'pod not found ("ghost_default")'],
    ['WebSocket without the tunnel protocol', 'kubia-0', { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'v5.channel.k8s.io' }, 'GET', 400, 'unable to upgrade: no tunneling spdy protocols provided'],
    ['SPDY without portforward.k8s.io', 'kubia-0', { ...SPDY_HEADERS, 'x-stream-protocol-version': 'v5.channel.k8s.io' }, 'POST', 403, 'unable to upgrade: unable to negotiate protocol: client supports [v5.channel.k8s.io], server accepts [portforward.k8s.io]'],
    ['no upgrade at all', 'kubia-0', {}, 'POST', 400, status(400, 'BadRequest', 'Upgrade request required')],
  ])('%s', async (_name, pod, headers, method, code, body) => {
    const r = await upgrade(s, `${PF}/${pod}/portforward`, headers, method);
    expect(r.status).toBe(code);
    if (body.startsWith('{')) expect(JSON.parse(r.body)).toEqual(JSON.parse(body));
    else expect(r.body).toBe(body);
  });
});
