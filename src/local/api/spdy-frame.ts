/**
 * @module SPDY/3.1 framing, the part a port-forward server needs (draft-mbelshe-httpbis-spdy-00
 * §2.2-2.6; SPDY/3.1 only adds WINDOW_UPDATE for the session). Pure encoders, an incremental
 * decoder for a byte pipe whose chunk boundaries mean nothing (a WebSocket tunnel, a raw
 * socket), and the header-block (de)compression of §2.6.10: one zlib stream per direction,
 * primed with the SPDY/3 dictionary.
 */
import { createInflate, constants as z, type Inflate } from 'node:zlib';

export const SPDY_VERSION = 3;
export const SYN_STREAM = 1;
export const SYN_REPLY = 2;
export const RST_STREAM = 3;
export const SETTINGS = 4;
export const PING = 6;
export const GOAWAY = 7;
export const HEADERS = 8;
export const WINDOW_UPDATE = 9;
export const FLAG_FIN = 0x01;

/** RST_STREAM status codes (§2.6.3) used here. */
export const RST_PROTOCOL_ERROR = 1;
export const RST_INVALID_STREAM = 2;
export const RST_CANCEL = 5;

/** Frames larger than this are refused (spdystream's own limit on a control frame is 16 MB). */
const MAX_FRAME = 0xffffff;

export type Frame =
  | { kind: 'data'; streamId: number; flags: number; data: Buffer }
  | { kind: 'control'; type: number; flags: number; payload: Buffer };

export type Headers = Record<string, string[]>;

// ----- encoding ----------------------------------------------------------------------------

function control(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24 | payload.length) >>> 0, 4);
  return Buffer.concat([h, payload]);
}

export function dataFrame(streamId: number, data: Buffer, fin = false): Buffer {
  if (data.length > MAX_FRAME) throw new RangeError(`a DATA frame carries at most ${MAX_FRAME} bytes`);
  const h = Buffer.alloc(8);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24 | data.length) >>> 0, 4);
  return Buffer.concat([h, data]);
}

/** SYN_REPLY (§2.6.2): stream id, then the compressed header block. */
export function synReplyFrame(streamId: number, block: Buffer, fin = false): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(streamId & 0x7fffffff);
  return control(SYN_REPLY, fin ? FLAG_FIN : 0, Buffer.concat([id, block]));
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  p.writeUInt32BE(status, 4);
  return control(RST_STREAM, 0, p);
}

export function pingFrame(id: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(id >>> 0);
  return control(PING, 0, p);
}

export function goAwayFrame(lastGoodStreamId: number, status = 0): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(lastGoodStreamId & 0x7fffffff, 0);
  p.writeUInt32BE(status, 4);
  return control(GOAWAY, 0, p);
}

/** For tests and clients: SYN_STREAM (§2.6.1) with a compressed header block. */
export function synStreamFrame(streamId: number, block: Buffer, fin = false): Buffer {
  const p = Buffer.alloc(10);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  p.writeUInt32BE(0, 4); // associated-to stream id
  p.writeUInt16BE(0, 8); // priority, unused, slot
  return control(SYN_STREAM, fin ? FLAG_FIN : 0, Buffer.concat([p, block]));
}

// ----- decoding ----------------------------------------------------------------------------

/**
 * Splits a byte pipe into frames. `push` returns the complete frames so far; a frame header
 * announcing a wrong version throws, so the caller can end the session with a GOAWAY.
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) break;
      const flags = this.buf[4]!;
      const body = this.buf.subarray(8, 8 + len);
      if (this.buf[0]! & 0x80) {
        const version = this.buf.readUInt16BE(0) & 0x7fff;
        if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
        out.push({ kind: 'control', type: this.buf.readUInt16BE(2), flags, payload: body });
      } else {
        out.push({ kind: 'data', streamId: this.buf.readUInt32BE(0) & 0x7fffffff, flags, data: body });
      }
      this.buf = this.buf.subarray(8 + len);
    }
    return out;
  }
}

/** The stream id that starts SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS and WINDOW_UPDATE payloads. */
export const streamIdOf = (payload: Buffer): number => (payload.length >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0);

// ----- header blocks (§2.6.10) -------------------------------------------------------------

/** Name/value pairs, each length-prefixed (32 bits); names lower case; values joined by NUL. */
export function encodeHeaderBlock(h: Headers): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  const entries = Object.entries(h);
  n.writeUInt32BE(entries.length);
  parts.push(n);
  for (const [name, values] of entries) {
    for (const s of [name.toLowerCase(), values.join('\0')]) {
      const b = Buffer.from(s);
      const l = Buffer.alloc(4);
      l.writeUInt32BE(b.length);
      parts.push(l, b);
    }
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(b: Buffer): Headers {
  const out: Headers = {};
  if (b.length < 4) throw new Error('header block too short');
  const count = b.readUInt32BE(0);
  let off = 4;
  const take = (): string => {
    if (off + 4 > b.length) throw new Error('header block truncated');
    const len = b.readUInt32BE(off);
    if (off + 4 + len > b.length) throw new Error('header block truncated');
    const s = b.toString('utf8', off + 4, off + 4 + len);
    off += 4 + len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = take().toLowerCase();
    out[name] = [...(out[name] ?? []), ...take().split('\0')];
  }
  return out;
}

/** The SPDY/3 dictionary (§2.6.10.1): length-prefixed words, then a run of plain text. */
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL = '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505'
  + '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden'
  + '404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable'
  + 'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT'
  + 'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,'
  + 'publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const SPDY3_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.map((w) => {
    const l = Buffer.alloc(4);
    l.writeUInt32BE(w.length);
    return Buffer.concat([l, Buffer.from(w, 'latin1')]);
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

export function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const byte of b) {
    a = (a + byte) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

/**
 * The sending direction's zlib stream, written as stored (uncompressed) deflate blocks: valid
 * zlib that every inflater reads, needs no state beyond "header sent", and stays synchronous
 * (RFC 1950 §2.2 with FDICT; RFC 1951 §3.2.4). The blocks we send are a few dozen bytes.
 */
export class HeaderCompressor {
  private started = false;

  compress(h: Headers): Buffer {
    const raw = encodeHeaderBlock(h);
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // CMF 0x78 (deflate, 32K window); FLG: FDICT set, FCHECK so that CMF*256+FLG is a multiple of 31.
      const flg0 = 0x20;
      const flg = flg0 + (31 - ((0x78 * 256 + flg0) % 31)) % 31;
      const id = Buffer.alloc(4);
      id.writeUInt32BE(adler32(SPDY3_DICTIONARY));
      parts.push(Buffer.from([0x78, flg]), id);
    }
    for (let off = 0; off < raw.length || off === 0; off += 0xffff) {
      const chunk = raw.subarray(off, off + 0xffff);
      const h5 = Buffer.alloc(5);
      h5[0] = 0x00; // BFINAL=0, BTYPE=00 (stored); the stream never ends
      h5.writeUInt16LE(chunk.length, 1);
      h5.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(h5, chunk);
      if (raw.length === 0) break;
    }
    // End with an empty stored block, the marker a Z_SYNC_FLUSH writes: Go's inflater returns
    // a block's bytes only when it meets the next block header, and must find it inside this
    // frame (spdystream refuses a header block it could not read to the end of the frame).
    parts.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(parts);
  }
}

/** The receiving direction: one inflate stream for the session, blocks ending in a sync flush. */
export class HeaderDecompressor {
  private readonly inflate: Inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
  private out: Buffer[] = [];
  private failed: Error | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor() {
    this.inflate.on('data', (c: Buffer) => this.out.push(c));
    this.inflate.on('error', (err) => { this.failed = err; });
  }

  /** Decompress one header block; calls are answered in order. */
  decompress(block: Buffer): Promise<Headers> {
    const run = (): Promise<Headers> => new Promise((resolve, reject) => {
      if (this.failed) return reject(this.failed);
      this.out = [];
      // A corrupt stream emits 'error' and never calls the flush callback.
      const onError = (err: Error): void => reject(err);
      this.inflate.once('error', onError);
      this.inflate.write(block);
      this.inflate.flush(z.Z_SYNC_FLUSH, () => {
        this.inflate.off('error', onError);
        if (this.failed) return reject(this.failed);
        try {
          resolve(decodeHeaderBlock(Buffer.concat(this.out)));
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  close(): void {
    this.inflate.destroy();
  }
}
