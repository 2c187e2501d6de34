/**
 * @module startDnsServer: UDP and TCP on one address and port, answering from a ZoneSource.
 */
import type { Logger } from '../log.ts';
import { lookup as zoneLookup } from '../zone/lookup.ts';
import type { ZoneSource } from '../zone/types.ts';
import { formatHostPort, parseHostPort } from './address.ts';
import { createHandler, type LookupFn, type OnQuery } from './handler.ts';
import { listenTcp, type TcpListener } from './tcp.ts';
import { listenUdp, type UdpListener } from './udp.ts';

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
}

export interface DnsServer {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

const PORT_ATTEMPTS = 10;

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const { host, port, family } = parseHostPort(opts.listen);
  const log = opts.log.child({ component: 'dns' });
  const handler = createHandler({ ...opts, lookup: opts.lookup ?? zoneLookup, log });
  const reusePort = opts.reusePort ?? false;
  const tcpOpts = { idleTimeoutMs: opts.tcpIdleTimeoutMs, maxConnections: opts.tcpMaxConnections, reusePort };
  // With port 0 the kernel picks the UDP port; TCP must then bind the same number, which
  // can be taken already, so try a few times.
  for (let attempt = 1; ; attempt++) {
    const udp: UdpListener = await listenUdp(host, port, family, handler, log, reusePort);
    let tcp: TcpListener;
    try {
      tcp = await listenTcp(host, udp.port, handler, log, tcpOpts);
    } catch (err) {
      await udp.close();
      if (port !== 0 || attempt >= PORT_ATTEMPTS) throw err;
      continue;
    }
    log.info({ address: formatHostPort(host, udp.port) }, 'dns listening on udp+tcp');
    let closing: Promise<void> | null = null;
    return {
      address: host,
      port: udp.port,
      close: () => (closing ??= Promise.all([udp.close(), tcp.close()]).then(() => undefined)),
    };
  }
}
