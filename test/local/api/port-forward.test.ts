/**
 * The port-forward SPDY session on its own: a fake transport records what the server writes,
 * a real TCP echo server on 127.0.0.1:0 stands for the pod. Covers what kubectl rarely does:
 * a pair that never completes, a bad stream type, a duplicate, RST from the client, GOAWAY,
 * a byte pipe that delivers frames split anywhere.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createDeflate, constants as z } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portForwardSession, type PortForwardSession } from '../../../src/local/api/port-forward.ts';
import {
  dataFrame, encodeHeaderBlock, FLAG_FIN, FrameDecoder, goAwayFrame, rstStreamFrame, SPDY3_DICTIONARY, synStreamFrame, type Frame, type Headers,
} from '../../../src/local/api/spdy-frame.ts';
import { silentLogger } from '../../../src/log.ts';

interface Harness {
  session: PortForwardSession;
  frames: Frame[];
  closed: () => boolean;
  syn(id: number, h: Headers): Promise<Buffer>;
}

function harness(port: () => number, pairTimeoutMs = 5_000): Harness {
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  let closed = false;
  const session = portForwardSession({ write: (b) => { frames.push(...decoder.push(b)); return true; }, drained: (fn) => fn(), close: () => { closed = true; } }, {
    podName: 'p', uid: 'u-1', ip: '10.0.0.9',
    dial: (_ip, p) => new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: p === 7 ? port() : 1 });
      s.once('connect', () => resolve(s));
      s.once('error', () => reject(new Error(`dial tcp 10.0.0.9:${p}: connect: connection refused`)));
    }),
  }, silentLogger(), pairTimeoutMs);
  const deflate = createDeflate({ dictionary: SPDY3_DICTIONARY });
  const syn = (id: number, h: Headers): Promise<Buffer> => new Promise((resolve) => {
    const out: Buffer[] = [];
    const on = (c: Buffer): number => out.push(c);
    deflate.on('data', on);
    deflate.write(encodeHeaderBlock(h));
    deflate.flush(z.Z_SYNC_FLUSH, () => { deflate.off('data', on); resolve(synStreamFrame(id, Buffer.concat(out))); });
  });
  return { session, frames, closed: () => closed, syn };
}

async function until(what: string, f: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const text = (h: Harness, id: number): string => h.frames.filter((f) => f.kind === 'data' && f.streamId === id).map((f) => (f.kind === 'data' ? f.data.toString() : '')).join('');
const fin = (h: Harness, id: number): boolean => h.frames.some((f) => f.kind === 'data' && f.streamId === id && (f.flags & FLAG_FIN) !== 0);
const rst = (h: Harness, id: number): number | undefined => {
  const f = h.frames.find((x) => x.kind === 'control' && x.type === 3 && x.payload.readUInt32BE(0) === id);
  return f?.kind === 'control' ? f.payload.readUInt32BE(4) : undefined;
};
const hdr = (type: string, requestid: string, port = '7'): Headers => ({ streamtype: [type], port: [port], requestid: [requestid] });

describe('the port-forward session', () => {
  let echo: Server;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    echo = createServer((s) => { sockets.add(s); s.pipe(s); });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    echo.close();
  });
  const echoPort = (): number => (echo.address() as { port: number }).port;

  it('echoes through a pair, frames split byte by byte; FIN from the client ends both streams', async () => {
    const h = harness(echoPort);
    const wire = Buffer.concat([await h.syn(1, hdr('error', '0')), dataFrame(1, Buffer.alloc(0), true), await h.syn(3, hdr('data', '0')), dataFrame(3, Buffer.from('ping me'), true)]);
    for (const b of wire) h.session.receive(Buffer.from([b]));
    await until('FIN on 3', () => fin(h, 3) && fin(h, 1));
    expect(text(h, 3)).toBe('ping me');
    expect(text(h, 1)).toBe('');
    h.session.closed();
  });

  it.each([
    ['only an error stream: the kubelet\'s timeout message', [['error', '0']], 1, 'timed out waiting for streams'],
    ['a data stream alone: its pair times out, no error stream to write to', [['data', '0']], 1, ''],
  ])('%s', async (_name, streams, id, message) => {
    const h = harness(echoPort, 30);
    for (const [i, [type, req]] of streams.entries()) h.session.receive(await h.syn(1 + 2 * i, hdr(type!, req!)));
    await until('FIN', () => fin(h, id));
    expect(text(h, id)).toBe(message);
    h.session.closed();
  });

  it.each([
    ['an unknown stream type', [['bogus', '0']], 1],
    ['a second error stream for the same request', [['error', '0'], ['error', '0']], 3],
  ])('%s is reset with PROTOCOL_ERROR', async (_name, streams, id) => {
    const h = harness(echoPort);
    for (const [i, [type, req]] of streams.entries()) h.session.receive(await h.syn(1 + 2 * i, hdr(type!, req!)));
    await until('RST', () => rst(h, id) !== undefined);
    expect(rst(h, id)).toBe(1);
    h.session.closed();
  });

  it('a RST from the client drops the pair without answering with one; GOAWAY ends the session', async () => {
    const h = harness(echoPort);
    h.session.receive(Buffer.concat([await h.syn(1, hdr('error', '0')), await h.syn(3, hdr('data', '0'))]));
    h.session.receive(dataFrame(3, Buffer.from('x')));
    await until('echo', () => text(h, 3) === 'x');
    h.session.receive(rstStreamFrame(3, 5));
    h.session.receive(goAwayFrame(3));
    await until('closed', () => h.closed());
    expect(rst(h, 1)).toBeUndefined();
    expect(rst(h, 3)).toBeUndefined();
  });

  it('data for a stream it does not know is refused with INVALID_STREAM', async () => {
    const h = harness(echoPort);
    h.session.receive(dataFrame(9, Buffer.from('?')));
    await until('RST', () => rst(h, 9) !== undefined);
    expect(rst(h, 9)).toBe(2);
    h.session.closed();
  });

  it('another SPDY version ends the session with GOAWAY PROTOCOL_ERROR', () => {
    const h = harness(echoPort);
    h.session.receive(Buffer.from('8002000600000004' + '00000001', 'hex'));
    expect(h.closed()).toBe(true);
    expect(h.frames).toEqual([{ kind: 'control', type: 7, flags: 0, payload: Buffer.from('0000000000000001', 'hex') }]);
  });
});
