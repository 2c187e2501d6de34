/**
 * SPDY/3.1 framing for port-forward: frames as bytes (table-driven against hand-written wire
 * images), a decoder fed in arbitrary chunks, header blocks, and the header compression in both
 * directions against node:zlib's real deflate/inflate primed with the SPDY/3 dictionary.
 */
import { createDeflate, createInflate, constants as z, type Deflate, type Inflate } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  adler32, dataFrame, decodeHeaderBlock, encodeHeaderBlock, FrameDecoder, goAwayFrame, HeaderCompressor, HeaderDecompressor, pingFrame,
  rstStreamFrame, SPDY3_DICTIONARY, synReplyFrame, synStreamFrame, type Frame, type Headers,
} from '../../../src/local/api/spdy-frame.ts';
import { parsePort } from '../../../src/local/api/port-forward.ts';

const hex = (b: Buffer): string => b.toString('hex');

/** Run one block through a persistent zlib stream with a sync flush, as SPDY peers do. */
function flushThrough(s: Deflate | Inflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const onData = (c: Buffer): number => out.push(c);
    s.on('data', onData);
    s.once('error', reject);
    s.write(input);
    s.flush(z.Z_SYNC_FLUSH, () => {
      s.off('data', onData);
      resolve(Buffer.concat(out));
    });
  });
}

describe('SPDY/3 frames', () => {
  it.each([
    ['DATA', dataFrame(1, Buffer.from('hi')), '00000001' + '00000002' + '6869'],
    ['DATA FIN, empty', dataFrame(3, Buffer.alloc(0), true), '00000003' + '01000000'],
    ['DATA, high bit of the id cleared', dataFrame(0x80000005, Buffer.from('x')), '00000005' + '00000001' + '78'],
    ['SYN_REPLY', synReplyFrame(1, Buffer.from('ab')), '80030002' + '00000006' + '00000001' + '6162'],
    ['SYN_STREAM FIN', synStreamFrame(7, Buffer.from('c')), '80030001' + '0000000b' + '00000007' + '00000000' + '0000' + '63'],
    ['RST_STREAM CANCEL', rstStreamFrame(5, 5), '80030003' + '00000008' + '00000005' + '00000005'],
    ['PING', pingFrame(0xfffffffe), '80030006' + '00000004' + 'fffffffe'],
    ['GOAWAY', goAwayFrame(9, 1), '80030007' + '00000008' + '00000009' + '00000001'],
  ])('%s', (_name, frame, wire) => {
    expect(hex(frame)).toBe(wire);
  });

  it('the decoder splits frames whatever the chunking, and keeps partial ones', () => {
    const wire = Buffer.concat([pingFrame(1), dataFrame(3, Buffer.from('hello'), true), rstStreamFrame(3, 5)]);
    const expected: Frame[] = [
      { kind: 'control', type: 6, flags: 0, payload: Buffer.from('00000001', 'hex') },
      { kind: 'data', streamId: 3, flags: 1, data: Buffer.from('hello') },
      { kind: 'control', type: 3, flags: 0, payload: Buffer.from('0000000300000005', 'hex') },
    ];
    for (const size of [1, 2, 7, 8, 13, wire.length]) {
      const d = new FrameDecoder();
      const got: Frame[] = [];
      for (let i = 0; i < wire.length; i += size) got.push(...d.push(wire.subarray(i, i + size)));
      expect(got).toEqual(expected);
    }
  });

  it('the decoder refuses another SPDY version', () => {
    expect(() => new FrameDecoder().push(Buffer.from('8002000600000004' + '00000001', 'hex'))).toThrow('unsupported SPDY version 2');
  });
});

describe('SPDY/3 header blocks', () => {
  it.each([
    [{}, '00000000'],
    [{ port: ['8080'] }, '00000001' + '00000004' + hex(Buffer.from('port')) + '00000004' + hex(Buffer.from('8080'))],
    [{ a: ['1', '2'] }, '00000001' + '00000001' + '61' + '00000003' + '310032'],
  ])('%j', (h, wire) => {
    expect(hex(encodeHeaderBlock(h))).toBe(wire);
    expect(decodeHeaderBlock(Buffer.from(wire, 'hex'))).toEqual(h);
  });

  it('names are lower-cased both ways (spdystream writes them lower case)', () => {
    expect(decodeHeaderBlock(encodeHeaderBlock({ StreamType: ['data'] }))).toEqual({ streamtype: ['data'] });
  });

  it.each([['00'], ['00000001'], ['0000000100000009616263']])('a truncated block %s is an error', (wire) => {
    expect(() => decodeHeaderBlock(Buffer.from(wire, 'hex'))).toThrow(/too short|truncated/);
  });

  it('the dictionary is the 1423 bytes of §2.6.10.1', () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(adler32(SPDY3_DICTIONARY).toString(16)).toBe('e3c6a7c2');
    expect(adler32(Buffer.from('Wikipedia'))).toBe(0x11e60398);
  });

  it('what the compressor writes, zlib inflates with the dictionary, block after block', async () => {
    const c = new HeaderCompressor();
    const inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
    const blocks: Headers[] = [{}, { streamtype: ['error'], port: ['8080'], requestid: ['0'] }, { big: ['x'.repeat(70_000)] }, {}];
    for (const h of blocks) {
      const wire = c.compress(h);
      // Each block ends with the sync-flush marker, where Go's inflater stops inside the frame.
      expect(hex(wire.subarray(-5))).toBe('000000ffff');
      expect(decodeHeaderBlock(await flushThrough(inflate, wire))).toEqual(h);
    }
    inflate.destroy();
  });

  it('what zlib deflates with the dictionary, the decompressor reads, in order', async () => {
    const deflate = createDeflate({ dictionary: SPDY3_DICTIONARY });
    const d = new HeaderDecompressor();
    const blocks = [
      { streamtype: ['error'], port: ['8080'], requestid: ['0'] },
      { streamtype: ['data'], port: ['8080'], requestid: ['0'] },
      { streamtype: ['error'], port: ['8080'], requestid: ['1'] },
    ];
    const wires = [];
    for (const h of blocks) wires.push(await flushThrough(deflate, encodeHeaderBlock(h)));
    expect(await Promise.all(wires.map((w) => d.decompress(w)))).toEqual(blocks);
    deflate.destroy();
    d.close();
  });

  it('a corrupt block rejects', async () => {
    const d = new HeaderDecompressor();
    await expect(d.decompress(Buffer.from('78bbffffffff0000', 'hex'))).rejects.toThrow();
    d.close();
  });
});

describe('the port header, as the kubelet checks it', () => {
  it.each([
    ['8080', 8080],
    [undefined, '"port" header is required'],
    ['', '"port" header is required'],
    ['0', 'port "0" must be > 0'],
    ['http', 'unable to parse "http" as a port: strconv.ParseUint: parsing "http": invalid syntax'],
  ])('%s', (raw, want) => {
    expect(parsePort(raw)).toBe(want);
  });
});
