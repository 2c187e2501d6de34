/**
 * @module Zone-transfer clients: AXFR of cluster.local (RFC 5936: starts and ends with the same
 * SOA) and IXFR from the serial of the previous transfer (RFC 1995), every few seconds.
 */
import { decodeMessage, encodeName, encodeQuery, TYPE } from './dnswire.ts';
import { tcpExchange } from './client.ts';

export interface XfrStats { axfr: number; ixfr: number; failed: number; failedInFault: number; records: number; errors: string[] }

function ixfrQuery(id: number, zone: string, serial: number): Buffer {
  const q = encodeQuery(id, zone, TYPE.IXFR);
  q.writeUInt16BE(1, 8); // NSCOUNT: the client's SOA
  const rdata = Buffer.concat([Buffer.from([0, 0]), Buffer.alloc(20)]);
  rdata.writeUInt32BE(serial >>> 0, 2);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPE.SOA, 0);
  fixed.writeUInt16BE(1, 2);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([q, encodeName(zone), fixed, rdata]);
}

export function startXfr(port: number, everyMs: number, inFault: () => boolean): { stats: XfrStats; stop(): void } {
  const stats: XfrStats = { axfr: 0, ixfr: 0, failed: 0, failedInFault: 0, records: 0, errors: [] };
  let serial = 0;
  let busy = false;
  const fail = (what: string): void => {
    if (inFault()) stats.failedInFault++;
    else { stats.failed++; if (stats.errors.length < 5) stats.errors.push(`${new Date().toISOString()} ${what}`); }
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      try {
        const msgs = await tcpExchange(port, encodeQuery(1, 'cluster.local', TYPE.AXFR), 10_000);
        const rrs = msgs.flatMap((m) => decodeMessage(m).answers);
        const first = rrs[0], last = rrs[rrs.length - 1];
        if (first?.type !== TYPE.SOA || last?.type !== TYPE.SOA || first.data !== last.data) fail(`AXFR not framed by one SOA (${rrs.length} records)`);
        else { stats.axfr++; stats.records += rrs.length; }
        const s = Number(first?.data.split(' ')[1] ?? 0);
        if (serial) {
          const ix = await tcpExchange(port, ixfrQuery(2, 'cluster.local', serial), 10_000);
          const d = decodeMessage(ix[0]!);
          if (d.rcode !== 0 || d.answers[0]?.type !== TYPE.SOA) fail(`IXFR from ${serial}: rcode ${d.rcode}`);
          else stats.ixfr++;
        }
        serial = s;
      } catch (err) {
        fail(`transfer: ${(err as Error).message}`);
      } finally {
        busy = false;
      }
    })();
  }, everyMs);
  return { stats, stop: () => clearInterval(timer) };
}
