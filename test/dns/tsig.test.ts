// TSIG (RFC 8945) against the running server: a table of good and bad keys, signatures and
// clocks over UDP, and every message of a multi-message AXFR signed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTsig, NOTAUTH, signRequest, TsigError, verifyResponse, type TsigKey } from '../../src/dns/tsig.ts';
import { Rcode } from '../../src/zone/types.ts';
import { buildQuery, udpExchange } from '../helpers/dns-client.ts';
import { KEY, rcodeOf, readTransfer, records, serve, type Served } from './xfr-helpers.ts';
import net from 'node:net';

let served: Served;
beforeAll(async () => { served = await serve(3000, { transferTo: ['127.0.0.1'] }); });
afterAll(async () => { await served.server.close(); });

const now = (): number => Math.floor(Date.now() / 1000);
const other: TsigKey = { name: 'other-key', algorithm: 'hmac-sha256', secret: KEY.secret };
const wrongSecret: TsigKey = { ...KEY, secret: Buffer.alloc(32, 7) };
const wrongAlg: TsigKey = { ...KEY, algorithm: 'hmac-sha512' };

describe('TSIG on queries (RFC 8945 §5.2)', () => {
  it.each([
    { name: 'good key: answered and signed', key: KEY, skew: 0, rcode: Rcode.NOERROR, error: 0, verifies: true },
    { name: 'good key, clock 200 s off (inside the fudge)', key: KEY, skew: -200, rcode: Rcode.NOERROR, error: 0, verifies: true },
    { name: 'unknown key: BADKEY, unsigned', key: other, skew: 0, rcode: NOTAUTH, error: TsigError.BADKEY, verifies: false },
    { name: 'wrong algorithm: BADKEY, unsigned', key: wrongAlg, skew: 0, rcode: NOTAUTH, error: TsigError.BADKEY, verifies: false },
    { name: 'wrong secret: BADSIG, unsigned', key: wrongSecret, skew: 0, rcode: NOTAUTH, error: TsigError.BADSIG, verifies: false },
    { name: 'clock 400 s behind: BADTIME, signed', key: KEY, skew: -400, rcode: NOTAUTH, error: TsigError.BADTIME, verifies: true },
    { name: 'clock 400 s ahead: BADTIME, signed', key: KEY, skew: 400, rcode: NOTAUTH, error: TsigError.BADTIME, verifies: true },
  ])('$name', async ({ key, skew, rcode, error, verifies }) => {
    const { msg, mac } = signRequest(buildQuery('kubia-1.kubia.default.svc.cluster.local', 1, { id: 0x5151 }), key, now() + skew);
    const reply = await udpExchange(served.server.port, msg);
    expect(rcodeOf(reply)).toBe(rcode);
    const tsig = findTsig(reply);
    expect(tsig?.error).toBe(error);
    expect(tsig?.mac.length).toBe(verifies ? 32 : 0);
    if (verifies) expect(verifyResponse(reply, KEY, mac)).toBe(true);
    if (error === TsigError.BADTIME) {
      expect(tsig?.timeSigned).toBe(now() + skew); // the request's time echoed (§5.2.3) ...
      expect(Math.abs(tsig!.other.readUIntBE(0, 6) - now())).toBeLessThan(3); // ... and our clock in Other Data
    }
    if (rcode === Rcode.NOERROR) expect(records(reply.subarray(0, tsig!.at)).map((r) => r.type)).toEqual([1]);
  });

  it('a signed AXFR: every message carries a TSIG, the first verifies against the request MAC', async () => {
    const { msg, mac } = signRequest(buildQuery('cluster.local', 252, { id: 0x5252, rd: false }), KEY, now());
    const sock = net.connect({ port: served.server.port, host: '127.0.0.1' });
    await new Promise((r) => sock.once('connect', r));
    const msgs = await readTransfer(sock, msg).finally(() => sock.destroy());
    expect(msgs.length).toBeGreaterThan(1);
    for (const m of msgs) expect(findTsig(m)?.mac.length).toBe(32);
    expect(verifyResponse(msgs[0]!, KEY, mac)).toBe(true);
  });
});

describe('--require-tsig', () => {
  it.each([
    { name: 'unsigned AXFR: REFUSED', sign: false, want: Rcode.REFUSED },
    { name: 'signed IXFR over UDP: answered', sign: true, want: Rcode.NOERROR },
  ])('$name', async ({ sign, want }) => {
    const strict = await serve(2, { requireTsig: true });
    try {
      const q = buildQuery('cluster.local', sign ? 251 : 252, { rd: false });
      if (sign) {
        const { ixfrQuery } = await import('./xfr-helpers.ts');
        const m = signRequest(ixfrQuery('cluster.local', 1), KEY, now()).msg;
        expect(rcodeOf(await udpExchange(strict.server.port, m))).toBe(want);
        return;
      }
      const sock = net.connect({ port: strict.server.port, host: '127.0.0.1' });
      await new Promise((r) => sock.once('connect', r));
      const [m] = await readTransfer(sock, q).finally(() => sock.destroy());
      expect(rcodeOf(m!)).toBe(want);
    } finally {
      await strict.server.close();
    }
  });
});
