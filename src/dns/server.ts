/**
 * @module startDnsServer: UDP and TCP on one address and port, answering from a ZoneSource.
 */
import type { Logger } from '../log.ts';
import { lookup as zoneLookup } from '../zone/lookup.ts';
import { answerScope, sameScope } from '../zone/scope.ts';
import type { Snapshot } from '../zone/snapshot.ts';
import { Journal } from '../zone/transfer.ts';
import type { ZoneSnapshot, ZoneSource } from '../zone/types.ts';
import { createAcl, type TransferPeer } from './acl.ts';
import { formatHostPort, parseHostPort } from './address.ts';
import { createHandler, type AnswerScopes, type LookupFn, type OnQuery } from './handler.ts';
import { startNotifier, type Notifier } from './notify.ts';
import type { TsigKey } from './tsig.ts';
import { createXfrResponder, type XfrResponder } from './xfr.ts';
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
  /** Zone transfers, TSIG and NOTIFY; without it transfers are REFUSED and signed queries get BADKEY. */
  readonly transfer?: TransferConfig;
  /**
   * What this server listens on (default both). A thread serving only TCP takes the zone
   * transfers off the threads that answer UDP (cli/worker-pool.ts).
   */
  readonly protocols?: Protocols;
  /** While true, every query is answered SERVFAIL (dns/freshness.ts: a thread back from a freeze). */
  readonly holding?: () => boolean;
}

export type Protocols = 'udp+tcp' | 'udp' | 'tcp';

export interface TransferConfig {
  /** `--transfer-to`: who may transfer, and (single addresses) where NOTIFYs go. */
  readonly peers: readonly TransferPeer[];
  /** `--tsig-key`; the first signs NOTIFYs. */
  readonly keys: readonly TsigKey[];
  readonly requireTsig: boolean;
  /** Sealed versions kept for IXFR (default 64). */
  readonly journalSize?: number;
  /** Send NOTIFYs from this server (one worker of several sends them). Default true. */
  readonly notify?: boolean;
  /** NOTIFY first retry interval (tests shorten it). */
  readonly notifyRetryMs?: number;
}

export interface DnsServer {
  readonly address: string;
  readonly port: number;
  /** The UDP path in use. */
  readonly udpIo: 'batch' | 'dgram';
  /** The batched path's counters (sends dropped on EAGAIN/ENOBUFS, ...); undefined on dgram. */
  udpStats(): UdpStats | undefined;
  /** Transfers in progress, shared AXFR encodings held, and NOTIFY counters (null without NOTIFY targets). */
  readonly xfr: { active(): number; shared(): number; notify(): ReturnType<Notifier['stats']> | null };
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

/** The journal fed with every sealed snapshot, the transfer responder, and the NOTIFY sender. */
async function startTransfers(opts: DnsServerOptions, host: string): Promise<{ xfr: XfrResponder; notifier: Notifier | null }> {
  const t = opts.transfer ?? { peers: [], keys: [], requireTsig: false };
  const log = opts.log.child({ component: 'xfr' });
  const journal = new Journal(t.journalSize ?? 64);
  const targets = t.peers.flatMap((p) => (p.notify ? [p.notify] : []));
  const notifier = targets.length > 0 && t.notify !== false
    ? await startNotifier({ targets, bindHost: host, key: t.keys[0] ?? null, log, retryMs: t.notifyRetryMs })
    : null;
  const keys = new Map(t.keys.map((k) => [k.name, k]));
  const xfr = createXfrResponder({ acl: createAcl(t.peers), keys, requireTsig: t.requireTsig, journal }, log);
  const feed = (snap: ZoneSnapshot): void => {
    if (!('sealed' in snap) || !journal.add(snap as Snapshot)) return;
    xfr.zoneChanged();
    notifier?.zoneChanged(snap as Snapshot);
  };
  opts.source.onChange?.(feed);
  feed(opts.source.current());
  return { xfr, notifier };
}

const PORT_ATTEMPTS = 10;
const ZONE_SCOPES: AnswerScopes = { of: answerScope, same: sameScope };

/** The zone's lookup with its answer scopes; a fake lookup (tests) has none, so the cache starts over on every new snapshot. */
function lookupOf(fake: LookupFn | undefined): { lookup: LookupFn; scopes?: AnswerScopes } {
  return fake ? { lookup: fake } : { lookup: zoneLookup, scopes: ZONE_SCOPES };
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const { host, port, family } = parseHostPort(opts.listen);
  const log = opts.log.child({ component: 'dns' });
  const { xfr, notifier } = await startTransfers(opts, host);
  const handler = createHandler({ ...opts, ...lookupOf(opts.lookup), log, xfr });
  const reusePort = opts.reusePort ?? false;
  const tcpOpts = { idleTimeoutMs: opts.tcpIdleTimeoutMs, maxConnections: opts.tcpMaxConnections, reusePort };
  const protocols = opts.protocols ?? 'udp+tcp';
  const addon = protocols === 'tcp' ? null : chooseUdpIo(opts.udpIo ?? 'auto', log);
  const openUdp = async (): Promise<UdpListener & { stats?(): UdpStats }> => addon
    ? listenUdpBatch(addon, host, port, family, handler, log, reusePort, RECV_BUFFER)
    : listenUdp(host, port, family, handler, log, reusePort);
  const serving = (udp: (UdpListener & { stats?(): UdpStats }) | null, tcp: TcpListener | null, boundPort: number): DnsServer => {
    log.info({ address: formatHostPort(host, boundPort), protocols, udpIo: udp ? (addon ? 'batch' : 'dgram') : undefined }, `dns listening on ${protocols}`);
    let closing: Promise<void> | null = null;
    return {
      address: host,
      port: boundPort,
      udpIo: addon ? 'batch' : 'dgram',
      udpStats: () => udp?.stats?.(),
      xfr: { active: () => xfr.active(), shared: () => xfr.shared(), notify: () => notifier?.stats() ?? null },
      close: () => (closing ??= Promise.all([udp?.close(), tcp?.close(), notifier?.close()]).then(() => undefined)),
    };
  };
  try {
    if (protocols === 'tcp') {
      const tcp = await listenTcp(host, port, handler, log, tcpOpts);
      return serving(null, tcp, tcp.port);
    }
    if (protocols === 'udp') {
      const udp = await openUdp();
      return serving(udp, null, udp.port);
    }
  } catch (err) {
    await notifier?.close();
    throw err;
  }
  // With port 0 the kernel picks the UDP port; TCP must then bind the same number, which
  // can be taken already, so try a few times.
  for (let attempt = 1; ; attempt++) {
    const udp = await openUdp();
    let tcp: TcpListener;
    try {
      tcp = await listenTcp(host, udp.port, handler, log, tcpOpts);
    } catch (err) {
      await udp.close();
      if (port !== 0 || attempt >= PORT_ATTEMPTS) { await notifier?.close(); throw err; }
      continue;
    }
    return serving(udp, tcp, udp.port);
  }
}
