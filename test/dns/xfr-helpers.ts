// Test helpers for zone transfers: a served model whose snapshots the test seals and publishes,
// transfer queries built byte by byte, and a reader for multi-message TCP answers.
import net from 'node:net';
import { pino } from 'pino';
import { parseTransferPeer } from '../../src/dns/acl.ts';
import { skipName } from '../../src/dns/wire.ts';
import { startDnsServer, type DnsServer, type TransferConfig } from '../../src/dns/server.ts';
import { ClusterModel } from '../../src/zone/model.ts';
import { SnapshotSource } from '../../src/zone/source.ts';
import { buildQuery, decode, encodeName, frame } from '../helpers/dns-client.ts';
import { config, NOW } from '../zone/cluster.ts';
import { namespace, pod, service } from '../zone/fixtures.ts';

export const KEY = { name: 'xfr-key', algorithm: 'hmac-sha256' as const, secret: Buffer.from('c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=', 'base64') };

export interface Served {
  model: ClusterModel;
  source: SnapshotSource;
  server: DnsServer;
  clock: { ms: number };
  /** Apply objects, publish, then seal a second later and publish again: a new serial. */
  change(apply: (m: ClusterModel) => void): number;
}

export function kubiaPod(i: number, ready = true): object {
  return pod('default', `kubia-${i}`, {
    labels: { app: 'kubia' }, ips: [`10.${Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`], hostname: `kubia-${i}`, subdomain: 'kubia', ready,
    ports: [{ name: 'http', containerPort: 8080 }],
  });
}

/** `ports` named ports on the headless service multiply the SRV records per pod (a bigger zone). */
export async function serve(pods: number, transfer: Partial<TransferConfig> & { transferTo?: string[] } = {}, idleMs = 5000, ports = 1): Promise<Served> {
  const clock = { ms: NOW };
  const model = new ClusterModel(config({ nsAddresses: ['127.0.0.1'] }), { now: () => clock.ms });
  model.apply(namespace('default'));
  const svcPorts = Array.from({ length: ports }, (_, i) => ({ name: i === 0 ? 'http' : `p${i}`, port: 80 + i, targetPort: 8080 + i }));
  model.apply(service('default', 'kubia', { clusterIP: 'None', selector: { app: 'kubia' }, ports: svcPorts }));
  model.apply(service('default', 'web', { clusterIP: '10.96.0.20', selector: { app: 'kubia' }, ports: [{ name: 'http', port: 80 }] }));
  for (let i = 0; i < pods; i++) model.apply(kubiaPod(i));
  model.markSynced();
  const source = new SnapshotSource(model.snapshot());
  clock.ms += 1000;
  source.publish(model.seal());
  const peers = (transfer.transferTo ?? ['127.0.0.1']).map(parseTransferPeer);
  const server = await startDnsServer({
    listen: '127.0.0.1:0', source, log: pino({ level: process.env.XFR_TEST_LOG ?? 'silent' }), maxUdpSize: 1232, tcpIdleTimeoutMs: idleMs, tcpMaxConnections: 100, cacheSize: 100,
    transfer: { peers, keys: transfer.keys ?? [KEY], requireTsig: transfer.requireTsig ?? false, notify: false },
  });
  return {
    model, source, server, clock,
    change(apply) {
      apply(model);
      source.publish(model.snapshot());
      clock.ms += 1000;
      const s = model.seal();
      source.publish(s);
      return s.serial;
    },
  };
}

/** An IXFR query: the zone's SOA with the client's serial in the authority section (RFC 1995 §3). */
export function ixfrQuery(zone: string, serial: number, id = 0x4242): Buffer {
  const q = buildQuery(zone, 251, { id, rd: false });
  q.writeUInt16BE(1, 8);
  const rdata = Buffer.concat([encodeName(`ns.${zone}`), encodeName(`host.${zone}`), Buffer.alloc(20)]);
  rdata.writeUInt32BE(serial >>> 0, rdata.length - 20);
  const head = Buffer.alloc(10);
  head.writeUInt16BE(6, 0);
  head.writeUInt16BE(1, 2);
  head.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([q, Buffer.from([0xc0, 12]), head, rdata]);
}

export interface Rr { name: string; type: number; data: string }

/** Answer records of one message, via dns2 (an independent decoder). */
export function records(msg: Buffer): Rr[] {
  const p = decode(msg);
  return p.answers.map((a) => {
    const { name, type, class: _c, ttl: _t, ...rest } = a as unknown as Record<string, unknown> & { name: string; type: number };
    return { name, type, data: JSON.stringify(rest) };
  });
}

export const rcodeOf = (msg: Buffer): number => msg[3]! & 0x0f;
export const soaSerial = (msg: Buffer, index: number): number => Number((decode(msg).answers[index] as unknown as { serial: number }).serial);

/**
 * Read a whole transfer from `sock` after sending `query`: messages until the answer count
 * holds two SOAs past the first record (or one message with a lone SOA or an error).
 */
export function readTransfer(sock: net.Socket, query: Buffer, timeoutMs = 20_000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const out: Buffer[] = [];
    const seen: number[] = []; // types of the first two records
    let soas = 0;
    let total = 0;
    const timer = setTimeout(() => reject(new Error(`transfer timeout after ${out.length} messages`)), timeoutMs);
    const finish = (): void => { clearTimeout(timer); sock.off('data', onData); resolve(out); };
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + m.length);
        out.push(m);
        const types = answerTypes(m);
        for (const t of types) if (seen.length < 2) seen.push(t);
        total += types.length;
        soas += types.filter((t) => t === 6).length;
        // Done: an error, a lone SOA, or the closing SOA (the 2nd for AXFR, the 4th for one IXFR step).
        const need = seen[1] === 6 ? 4 : 2;
        if (rcodeOf(m) !== 0 || (total === 1 && soas === 1) || (soas >= need && types[types.length - 1] === 6)) return finish();
      }
    };
    sock.on('data', onData);
    if (query.length > 0) sock.write(frame(query));
  });
}

/** TYPE of every answer record, read straight from the wire (cheap for big transfers). */
function answerTypes(m: Buffer): number[] {
  const out: number[] = [];
  let p = 12;
  for (let i = 0; i < m.readUInt16BE(4); i++) p = skipName(m, p) + 4;
  for (let i = 0; i < m.readUInt16BE(6); i++) {
    p = skipName(m, p);
    out.push(m.readUInt16BE(p));
    p += 10 + m.readUInt16BE(p + 8);
  }
  return out;
}

export async function transfer(port: number, query: Buffer): Promise<Buffer[]> {
  const sock = net.connect({ port, host: '127.0.0.1' });
  await new Promise((r) => sock.once('connect', r));
  try {
    return await readTransfer(sock, query);
  } finally {
    sock.destroy();
  }
}
