/**
 * @module parseConfig: argv -> Config, pure. Every flag of every command is validated here
 * and nowhere else; errors name the flag and the accepted values.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { LevelWithSilent } from 'pino';
import { parseTransferPeer, type TransferPeer } from '../dns/acl.ts';
import { parseHostPort } from '../dns/address.ts';
import { UDP_IO_MODES, type UdpIo } from '../dns/udp-batch.ts';
import { TSIG_ALGORITHMS, type TsigAlgorithm } from '../dns/tsig.ts';
import { LOG_LEVELS } from '../log.ts';
import { PODS_MODES, RRType, type PodsMode } from '../zone/types.ts';
import { parseDuration, parseIntIn, parseName, parseReservation, type Reservation } from './values.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ServeConfig {
  manifests: string[];
  zones: string[];
  reverseZones: string[];
  dnsListen: string;
  ttl: number;
  endpointsFrom: 'pods' | 'endpointslices';
  logLevel: LevelWithSilent;
  maxUdpSize: number;
  tcpIdleTimeoutMs: number;
  tcpMaxConnections: number;
  workers: number;
  /** Nice steps the main thread runs below the DNS worker threads (priority.ts). */
  mainThreadNice: number;
  /** SCHED_RR priority of the DNS threads, 1-99; 0 leaves them under the normal scheduler. */
  dnsRtPriority: number;
  /** `--dns-deadline`: the DNS threads under SCHED_DEADLINE with this reservation each (priority.ts). */
  dnsDeadline: Reservation | undefined;
  /** How UDP datagrams move (dns/server.ts). */
  udpIo: UdpIo;
  cacheSize: number;
  kubeconfig: string | undefined;
  context: string | undefined;
  namespaces: string[];
  labelSelector: string | undefined;
  httpListen: string;
  controller: boolean;
  /** `--transfer-to`: may transfer the zones; single addresses also get NOTIFY. */
  transferTo: TransferPeer[];
  /** `--tsig-key name:alg:secret-file`; the secret is read at startup (cli/transfer.ts). */
  tsigKeys: TsigKeySpec[];
  /** `--require-tsig`: transfers must be signed with one of the keys. */
  requireTsig: boolean;
  /** `<a-b-c-d>.<ns>.pod.<zone>` records (CoreDNS `pods`). */
  pods: PodsMode;
  /** Negative TTL for names about to appear; equal to ttl turns the rule off (zone/expected.ts). */
  expectedNegativeTtl: number;
}

export interface TsigKeySpec { name: string; algorithm: TsigAlgorithm; secretFile: string }

export interface LocalOptions {
  apiListen: string;
  dataDir: string;
  nodes: number;
  readyDelayMs: number;
  nodeGracePeriodMs: number;
  apiBindAny: boolean;
  /** `--event-ttl`: Events are deleted this long after their last write (0 keeps them). */
  eventTtlMs: number;
  /** `--compaction-interval`: the watch history is compacted this often (0: only by size). */
  compactionIntervalMs: number;
  /** `--memory-reduce-interval`: how often freed heap pages go back to the system (0: never; cli/memory.ts). */
  memoryReduceIntervalMs: number;
}

export interface QueryConfig {
  name: string;
  /** Numeric QTYPE. */
  type: number;
  typeName: string;
  server: string;
  tcp: boolean;
}

export type Config =
  | { command: 'serve'; serve: ServeConfig }
  | { command: 'local'; serve: ServeConfig; local: LocalOptions }
  | { command: 'query'; query: QueryConfig }
  | { command: 'version' }
  | { command: 'help' };

const SERVE_FLAGS = {
  manifests: { type: 'string', multiple: true },
  zone: { type: 'string', multiple: true },
  'reverse-zone': { type: 'string', multiple: true },
  'dns-listen': { type: 'string' },
  ttl: { type: 'string' },
  'endpoints-from': { type: 'string' },
  'log-level': { type: 'string' },
  'max-udp-size': { type: 'string' },
  'tcp-idle-timeout': { type: 'string' },
  'tcp-max-connections': { type: 'string' },
  workers: { type: 'string' },
  'main-thread-nice': { type: 'string' },
  'dns-rt-priority': { type: 'string' },
  'dns-deadline': { type: 'string' },
  'udp-io': { type: 'string' },
  'cache-size': { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', multiple: true },
  'label-selector': { type: 'string' },
  'http-listen': { type: 'string' },
  controller: { type: 'boolean' },
  'transfer-to': { type: 'string', multiple: true },
  'tsig-key': { type: 'string', multiple: true },
  'require-tsig': { type: 'boolean' },
  pods: { type: 'string' },
  'expected-negative-ttl': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

const LOCAL_FLAGS = {
  ...SERVE_FLAGS,
  'api-listen': { type: 'string' },
  'data-dir': { type: 'string' },
  nodes: { type: 'string' },
  'ready-delay': { type: 'string' },
  'node-grace-period': { type: 'string' },
  'api-bind-any': { type: 'boolean' },
  'event-ttl': { type: 'string' },
  'memory-reduce-interval': { type: 'string' },
  'compaction-interval': { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

const QUERY_FLAGS = {
  server: { type: 'string' },
  tcp: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

type Values = Record<string, string | boolean | string[] | undefined>;

/** Run node:util parseArgs and turn its TypeErrors into ConfigErrors that say what to do. */
function parse(command: string, args: string[], options: ParseArgsOptionsConfig, positionals: boolean): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: positionals }) as { values: Values; positionals: string[] };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const flag = /'(-{1,2}[^' ]+)/.exec(msg)?.[1];
    const code = (err as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new ConfigError(`unknown flag ${flag ?? ''} for "ordinal ${command}"`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new ConfigError(`"ordinal ${command}" takes no arguments, got ${JSON.stringify(args.find((a) => !a.startsWith('-')))}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new ConfigError(`flag ${flag ?? ''} ${msg.includes('argument missing') ? 'needs a value' : 'takes no value'}`);
    throw new ConfigError(msg);
  }
}

const str = (v: Values, k: string): string | undefined => v[k] as string | undefined;
const list = (v: Values, k: string): string[] => (v[k] as string[] | undefined) ?? [];

function address(flag: string, text: string): string {
  try {
    parseHostPort(text);
    return text;
  } catch (err) {
    throw new ConfigError(`--${flag}: ${(err as Error).message}`);
  }
}

function wrap<T>(flag: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new ConfigError(`--${flag}: ${(err as Error).message}`);
  }
}

function reverseZone(text: string): string {
  const z = wrap('reverse-zone', () => parseName(text));
  if (z !== 'in-addr.arpa' && z !== 'ip6.arpa' && !z.endsWith('.in-addr.arpa') && !z.endsWith('.ip6.arpa')) {
    throw new ConfigError(`--reverse-zone: "${text}" is not in-addr.arpa, ip6.arpa or a zone under them`);
  }
  return z;
}

function oneOf<T extends string>(flag: string, text: string | undefined, allowed: readonly T[], dflt: T): T {
  if (text === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(text)) throw new ConfigError(`--${flag}: "${text}" is not one of ${allowed.join(', ')}`);
  return text as T;
}

/** `name:alg:secret-file` (RFC 8945 key name, hmac-sha256 or hmac-sha512, a file holding the base64 secret). */
function tsigKey(text: string): TsigKeySpec {
  const m = /^([^:]+):([^:]+):(.+)$/.exec(text);
  if (!m) throw new ConfigError(`--tsig-key: "${text}" is not name:algorithm:secret-file`);
  const name = wrap('tsig-key', () => parseName(m[1]!));
  const algorithm = m[2]!.toLowerCase();
  if (!(algorithm in TSIG_ALGORITHMS)) throw new ConfigError(`--tsig-key: algorithm "${m[2]}" is not one of ${Object.keys(TSIG_ALGORITHMS).join(', ')}`);
  return { name, algorithm: algorithm as TsigAlgorithm, secretFile: m[3]! };
}

function transferFlags(v: Values): Pick<ServeConfig, 'transferTo' | 'tsigKeys' | 'requireTsig'> {
  const transferTo = list(v, 'transfer-to').map((t) => wrap('transfer-to', () => parseTransferPeer(t)));
  const tsigKeys = list(v, 'tsig-key').map(tsigKey);
  const names = new Set(tsigKeys.map((k) => k.name));
  if (names.size !== tsigKeys.length) throw new ConfigError('--tsig-key: the same key name is given twice');
  const requireTsig = v['require-tsig'] === true;
  if (requireTsig && tsigKeys.length === 0) throw new ConfigError('--require-tsig needs at least one --tsig-key');
  return { transferTo, tsigKeys, requireTsig };
}

function parseServe(v: Values, extraManifests: string[] = []): ServeConfig {
  const int = (flag: string, min: number, max: number, dflt: number): number => {
    const t = str(v, flag);
    return t === undefined ? dflt : wrap(flag, () => parseIntIn(t, min, max));
  };
  const dur = (flag: string, min: number, max: number, dflt: number): number => {
    const t = str(v, flag);
    return t === undefined ? dflt : wrap(flag, () => parseDuration(t, min, max));
  };
  const zones = list(v, 'zone').map((z) => wrap('zone', () => parseName(z)));
  const namespaces = list(v, 'namespace').map((n) => wrap('namespace', () => parseName(n, true)));
  const manifests = [...list(v, 'manifests'), ...extraManifests];
  if (manifests.some((m) => m === '')) throw new ConfigError('--manifests: empty path');
  const ttl = int('ttl', 0, 3600, 5);
  const expectedNegativeTtl = int('expected-negative-ttl', 0, 3600, 0);
  if (expectedNegativeTtl > ttl) {
    throw new ConfigError(`--expected-negative-ttl: ${expectedNegativeTtl} is above --ttl ${ttl}; names about to appear would be denied longer than others`);
  }
  const labelSelector = str(v, 'label-selector');
  if (labelSelector !== undefined && labelSelector.trim() === '') throw new ConfigError('--label-selector: empty selector');
  const dnsRtPriority = int('dns-rt-priority', 0, 99, 0);
  const deadline = str(v, 'dns-deadline');
  const dnsDeadline = deadline === undefined ? undefined : wrap('dns-deadline', () => parseReservation(deadline));
  if (dnsDeadline && dnsRtPriority > 0) throw new ConfigError('--dns-deadline and --dns-rt-priority both set how the DNS threads are scheduled: give one');
  return {
    manifests,
    zones: zones.length ? [...new Set(zones)] : ['cluster.local'],
    reverseZones: [...new Set(list(v, 'reverse-zone').map(reverseZone))],
    dnsListen: address('dns-listen', str(v, 'dns-listen') ?? '127.0.0.1:5353'),
    ttl,
    endpointsFrom: oneOf('endpoints-from', str(v, 'endpoints-from'), ['pods', 'endpointslices'] as const, 'pods'),
    logLevel: oneOf('log-level', str(v, 'log-level'), LOG_LEVELS, 'info'),
    maxUdpSize: int('max-udp-size', 512, 4096, 1232),
    tcpIdleTimeoutMs: dur('tcp-idle-timeout', 1, 3_600_000, 10_000),
    tcpMaxConnections: int('tcp-max-connections', 1, 100_000, 1000),
    workers: int('workers', 0, 64, 1),
    mainThreadNice: int('main-thread-nice', 0, 19, 5),
    dnsRtPriority,
    dnsDeadline,
    udpIo: oneOf('udp-io', str(v, 'udp-io'), UDP_IO_MODES, 'auto'),
    cacheSize: int('cache-size', 0, 10_000_000, 10_000),
    kubeconfig: str(v, 'kubeconfig'),
    context: str(v, 'context'),
    namespaces: [...new Set(namespaces)],
    labelSelector,
    httpListen: address('http-listen', str(v, 'http-listen') ?? '127.0.0.1:8080'),
    controller: v.controller === true,
    ...transferFlags(v),
    pods: oneOf('pods', str(v, 'pods'), PODS_MODES, 'disabled'),
    expectedNegativeTtl,
  };
}

function parseLocal(v: Values): LocalOptions {
  const dur = (flag: string, dflt: number, maxMs = 86_400_000): number => {
    const t = str(v, flag);
    return t === undefined ? dflt : wrap(flag, () => parseDuration(t, 0, maxMs));
  };
  const nodes = str(v, 'nodes');
  const dataDir = str(v, 'data-dir') ?? '.ordinal';
  if (dataDir === '') throw new ConfigError('--data-dir: empty path');
  return {
    apiListen: address('api-listen', str(v, 'api-listen') ?? '127.0.0.1:6443'),
    dataDir,
    nodes: nodes === undefined ? 3 : wrap('nodes', () => parseIntIn(nodes, 1, 100)),
    readyDelayMs: dur('ready-delay', 1000),
    nodeGracePeriodMs: dur('node-grace-period', 40_000),
    apiBindAny: v['api-bind-any'] === true,
    // kube-apiserver's default (1h), up to 30 days.
    eventTtlMs: dur('event-ttl', 3_600_000, 30 * 86_400_000),
    // kube-apiserver's --etcd-compaction-interval (5m), up to a day.
    compactionIntervalMs: dur('compaction-interval', 300_000, 86_400_000),
    memoryReduceIntervalMs: dur('memory-reduce-interval', 60_000, 86_400_000),
  };
}

const QTYPES: Record<string, number> = Object.fromEntries(Object.entries(RRType).filter(([k]) => k !== 'OPT'));

function parseQueryCommand(args: string[]): Config {
  const { values, positionals } = parse('query', args, QUERY_FLAGS, true);
  if (values.help === true) return { command: 'help' };
  const [name, type = 'A', ...rest] = positionals;
  if (name === undefined) throw new ConfigError('ordinal query needs a name, e.g. ordinal query web-0.nginx.default.svc.cluster.local');
  if (rest.length) throw new ConfigError(`ordinal query takes a name and a type, got extra ${JSON.stringify(rest.join(' '))}`);
  const upper = type.toUpperCase();
  const num = /^TYPE(\d{1,5})$/.exec(upper);
  const code = num ? Number(num[1]) : QTYPES[upper];
  if (code === undefined || code > 65535) throw new ConfigError(`query type "${type}" is not one of ${Object.keys(QTYPES).join(', ')} or TYPEnnn`);
  return { command: 'query', query: { name, type: code, typeName: upper, server: address('server', str(values, 'server') ?? '127.0.0.1:5353'), tcp: values.tcp === true } };
}

/** Parse the command line (without `node` and the script). Throws ConfigError. */
export function parseConfig(argv: string[]): Config {
  const [command, ...args] = argv;
  switch (command) {
    case undefined: throw new ConfigError('missing command: serve, local, query, version or help');
    case 'help': case '--help': case '-h': return { command: 'help' };
    case 'version': case '--version': return { command: 'version' };
    case 'serve': {
      const { values } = parse('serve', args, SERVE_FLAGS, false);
      return values.help === true ? { command: 'help' } : { command: 'serve', serve: parseServe(values) };
    }
    case 'local': {
      const { values, positionals } = parse('local', args, LOCAL_FLAGS, true);
      if (values.help === true) return { command: 'help' };
      return { command: 'local', serve: parseServe(values, positionals), local: parseLocal(values) };
    }
    case 'query': return parseQueryCommand(args);
    default: throw new ConfigError(`unknown command "${command}": use serve, local, query, version or help`);
  }
}
