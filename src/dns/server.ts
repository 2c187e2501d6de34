/**
 * @module startDnsServer: UDP and TCP on one address and port, answering from a ZoneSource.
 */
import type { Logger } from '../log.ts';
import { lookup as zoneLookup } from '../zone/lookup.ts';
import type { ZoneSource } from '../zone/types.ts';
import { formatHostPort, parseHostPort } from './address.ts';
import { createHandler, type LookupFn, type OnQuery } from './handler.ts';
import { listenTcp, type TcpListener } from './tcp.ts';
import { listenUdp, RECV_BUFFER, type UdpListener } from './udp.ts';
import { listenUdpBatch, loadUdpAddon, type UdpAddon, type UdpIo, type UdpStats } from './udp-batch.ts';

export interface DnsServerOptions {
  /** `host:port` or `[v6]:port`; port 0 picks a port free for both UDP and TCP. */
  readonly listen: string;
  readonly source: ZoneSource;
  /** Defaults to the zone's `lookup`; tests pass a fake. */
  readonly lookup?: LookupFn;
  readonly maxUdpSize: number;
  readonly tcpIdleTimeoutMs: number;
  readonly tcpMaxConnections: number;
  readonly cacheSize: number;
  readonly log: Logger;
  readonly onQuery?: OnQuery;
  /** SO_REUSEPORT, so several workers can each own a socket on the same port. */
  readonly reusePort?: boolean;
  /** Default `auto`. */
  readonly udpIo?: UdpIo;
}

export interface DnsServer {
  readonly address: string;
  readonly port: number;
  /** The UDP path in use. */
  readonly udpIo: 'batch' | 'dgram';
  /** The batched path's counters (sends dropped on EAGAIN/ENOBUFS, ...); undefined on dgram. */
  udpStats(): UdpStats | undefined;
  close(): Promise<void>;
}

let warnedFallback = false;

/**
 * The addon for `mode`, or null for dgram. `batch` without the addon is a startup error;
 * `auto` falls back and says so once per thread (the reason names the missing file or ABI).
 */
export function chooseUdpIo(mode: UdpIo, log: Logger): UdpAddon | null {
  if (mode === 'dgram') return null;
  const load = loadUdpAddon();
  if (load.ok) return load.addon;
  if (mode === 'batch') throw new Error(`--udp-io batch: the UDP addon did not load (${load.reason}); run \`npm run build:native\``);
  if (!warnedFallback) log.warn({ reason: load.reason }, 'batched UDP addon not loaded: UDP uses node:dgram');
  warnedFallback = true;
  return null;
}

/** `auto` made concrete once, so that a process with workers warns about the fallback once. */
export function resolveUdpIo(mode: UdpIo, log: Logger): 'batch' | 'dgram' {
  return chooseUdpIo(mode, log.child({ component: 'dns' })) ? 'batch' : 'dgram';
}

const PORT_ATTEMPTS = 10;

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const { host, port, family } = parseHostPort(opts.listen);
  const log = opts.log.child({ component: 'dns' });
  const handler = createHandler({ ...opts, lookup: opts.lookup ?? zoneLookup, log });
  const reusePort = opts.reusePort ?? false;
  const tcpOpts = { idleTimeoutMs: opts.tcpIdleTimeoutMs, maxConnections: opts.tcpMaxConnections, reusePort };
  const addon = chooseUdpIo(opts.udpIo ?? 'auto', log);
  const openUdp = async (): Promise<UdpListener & { stats?(): UdpStats }> => addon
    ? listenUdpBatch(addon, host, port, family, handler, log, reusePort, RECV_BUFFER)
    : listenUdp(host, port, family, handler, log, reusePort);
  // With port 0 the kernel picks the UDP port; TCP must then bind the same number, which
  // can be taken already, so try a few times.
  for (let attempt = 1; ; attempt++) {
    const udp = await openUdp();
    let tcp: TcpListener;
    try {
      tcp = await listenTcp(host, udp.port, handler, log, tcpOpts);
    } catch (err) {
      await udp.close();
      if (port !== 0 || attempt >= PORT_ATTEMPTS) throw err;
      continue;
    }
    log.info({ address: formatHostPort(host, udp.port), udpIo: addon ? 'batch' : 'dgram' }, 'dns listening on udp+tcp');
    let closing: Promise<void> | null = null;
    return {
      address: host,
      port: udp.port,
      udpIo: addon ? 'batch' : 'dgram',
      udpStats: () => udp.stats?.(),
      close: () => (closing ??= Promise.all([udp.close(), tcp.close()]).then(() => undefined)),
    };
  }
}
