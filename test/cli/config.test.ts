import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type ServeConfig } from '../../src/cli/config.ts';
import { USAGE } from '../../src/cli/usage.ts';

const serve = (argv: string[]): ServeConfig => {
  const c = parseConfig(['serve', ...argv]);
  if (c.command !== 'serve') throw new Error('not serve');
  return c.serve;
};

describe('serve defaults', () => {
  it('fills every default', () => {
    expect(serve([])).toEqual({
      manifests: [], zones: ['cluster.local'], reverseZones: [], dnsListen: '127.0.0.1:5353', ttl: 5,
      endpointsFrom: 'pods', logLevel: 'info', maxUdpSize: 1232, tcpIdleTimeoutMs: 10_000, tcpMaxConnections: 1000,
      workers: 1, mainThreadNice: 5, dnsRtPriority: 0, dnsDeadline: undefined, udpIo: 'auto', cacheSize: 10_000, kubeconfig: undefined, context: undefined, namespaces: [], labelSelector: undefined,
      httpListen: '127.0.0.1:8080', controller: false, transferTo: [], tsigKeys: [], requireTsig: false,
      pods: 'disabled', expectedNegativeTtl: 0,
    });
  });
});

describe('serve flags', () => {
  const rows: { argv: string[]; want: Partial<ServeConfig> }[] = [
    { argv: ['--manifests', 'a.yaml', '--manifests', 'dir'], want: { manifests: ['a.yaml', 'dir'] } },
    { argv: ['--manifests=a.yaml'], want: { manifests: ['a.yaml'] } },
    { argv: ['--zone', 'Cluster.Local.', '--zone', 'example.org'], want: { zones: ['cluster.local', 'example.org'] } },
    { argv: ['--zone', 'a.b', '--zone', 'a.b'], want: { zones: ['a.b'] } },
    { argv: ['--reverse-zone', 'in-addr.arpa', '--reverse-zone', 'ip6.arpa.'], want: { reverseZones: ['in-addr.arpa', 'ip6.arpa'] } },
    { argv: ['--reverse-zone', '10.in-addr.arpa'], want: { reverseZones: ['10.in-addr.arpa'] } },
    { argv: ['--dns-listen', '0.0.0.0:53'], want: { dnsListen: '0.0.0.0:53' } },
    { argv: ['--dns-listen', '[::1]:5353'], want: { dnsListen: '[::1]:5353' } },
    { argv: ['--dns-listen', '127.0.0.1:0'], want: { dnsListen: '127.0.0.1:0' } },
    { argv: ['--ttl', '0'], want: { ttl: 0 } },
    { argv: ['--ttl', '3600'], want: { ttl: 3600 } },
    { argv: ['--endpoints-from', 'endpointslices'], want: { endpointsFrom: 'endpointslices' } },
    { argv: ['--log-level', 'silent'], want: { logLevel: 'silent' } },
    { argv: ['--log-level', 'debug'], want: { logLevel: 'debug' } },
    { argv: ['--max-udp-size', '512'], want: { maxUdpSize: 512 } },
    { argv: ['--max-udp-size', '4096'], want: { maxUdpSize: 4096 } },
    { argv: ['--tcp-idle-timeout', '500ms'], want: { tcpIdleTimeoutMs: 500 } },
    { argv: ['--tcp-idle-timeout', '2m'], want: { tcpIdleTimeoutMs: 120_000 } },
    { argv: ['--tcp-idle-timeout', '30'], want: { tcpIdleTimeoutMs: 30_000 } },
    { argv: ['--tcp-idle-timeout', '1.5s'], want: { tcpIdleTimeoutMs: 1500 } },
    { argv: ['--tcp-max-connections', '5'], want: { tcpMaxConnections: 5 } },
    { argv: ['--workers', '2'], want: { workers: 2 } },
    { argv: ['--workers', '0'], want: { workers: 0 } },
    { argv: ['--main-thread-nice', '0'], want: { mainThreadNice: 0 } },
    { argv: ['--main-thread-nice', '19'], want: { mainThreadNice: 19 } },
    { argv: ['--dns-rt-priority', '1'], want: { dnsRtPriority: 1 } },
    { argv: ['--dns-rt-priority', '99'], want: { dnsRtPriority: 99 } },
    { argv: ['--dns-deadline', '2ms/4ms'], want: { dnsDeadline: { runtimeUs: 2000, periodUs: 4000 } } },
    { argv: ['--dns-deadline', '500us/1ms'], want: { dnsDeadline: { runtimeUs: 500, periodUs: 1000 } } },
    { argv: ['--dns-deadline', '1.5ms/10ms'], want: { dnsDeadline: { runtimeUs: 1500, periodUs: 10_000 } } },
    { argv: ['--dns-deadline', '1us/100us'], want: { dnsDeadline: { runtimeUs: 1, periodUs: 100 } } },
    { argv: ['--dns-deadline', '3999ms/4000ms'], want: { dnsDeadline: { runtimeUs: 3_999_000, periodUs: 4_000_000 } } },
    { argv: ['--dns-deadline', '2ms/4ms', '--dns-rt-priority', '0'], want: { dnsDeadline: { runtimeUs: 2000, periodUs: 4000 }, dnsRtPriority: 0 } },
    { argv: ['--udp-io', 'batch'], want: { udpIo: 'batch' } },
    { argv: ['--udp-io', 'dgram'], want: { udpIo: 'dgram' } },
    { argv: ['--cache-size', '0'], want: { cacheSize: 0 } },
    { argv: ['--kubeconfig', '/tmp/kc', '--context', 'kind'], want: { kubeconfig: '/tmp/kc', context: 'kind' } },
    { argv: ['--namespace', 'default', '--namespace', 'kube-system'], want: { namespaces: ['default', 'kube-system'] } },
    { argv: ['--label-selector', 'app=web,tier!=db'], want: { labelSelector: 'app=web,tier!=db' } },
    { argv: ['--http-listen', '127.0.0.1:0'], want: { httpListen: '127.0.0.1:0' } },
    { argv: ['--controller'], want: { controller: true } },
    {
      argv: ['--transfer-to', '10.0.0.0/8', '--transfer-to', '192.0.2.1:5300'],
      want: { transferTo: [{ address: '10.0.0.0', prefix: 8, family: 4, notify: null }, { address: '192.0.2.1', prefix: 32, family: 4, notify: { host: '192.0.2.1', port: 5300 } }] },
    },
    {
      argv: ['--tsig-key', 'Xfr.Example.:HMAC-SHA512:/etc/ordinal/xfr.key', '--require-tsig'],
      want: { tsigKeys: [{ name: 'xfr.example', algorithm: 'hmac-sha512', secretFile: '/etc/ordinal/xfr.key' }], requireTsig: true },
    },
    { argv: ['--pods', 'insecure'], want: { pods: 'insecure' } },
    { argv: ['--pods', 'verified'], want: { pods: 'verified' } },
    { argv: ['--expected-negative-ttl', '2'], want: { expectedNegativeTtl: 2, ttl: 5 } },
    { argv: ['--ttl', '30', '--expected-negative-ttl', '30'], want: { expectedNegativeTtl: 30, ttl: 30 } },
  ];
  it.each(rows)('$argv', ({ argv, want }) => {
    expect(serve(argv)).toMatchObject(want);
  });
});

describe('errors name the flag and the accepted values', () => {
  const rows: { argv: string[]; errContains: string[] }[] = [
    { argv: [], errContains: ['missing command'] },
    { argv: ['serve', '--transfer-to', 'secondary.example'], errContains: ['--transfer-to', 'host:port'] },
    { argv: ['serve', '--transfer-to', '10.0.0.0/40'], errContains: ['--transfer-to', 'longer than 32'] },
    { argv: ['serve', '--tsig-key', 'xfr'], errContains: ['--tsig-key', 'name:algorithm:secret-file'] },
    { argv: ['serve', '--tsig-key', 'xfr:hmac-md5:/k'], errContains: ['--tsig-key', 'hmac-sha256, hmac-sha512'] },
    { argv: ['serve', '--tsig-key', 'a:hmac-sha256:/k', '--tsig-key', 'a:hmac-sha512:/j'], errContains: ['--tsig-key', 'twice'] },
    { argv: ['serve', '--require-tsig'], errContains: ['--require-tsig', '--tsig-key'] },
    { argv: ['frobnicate'], errContains: ['unknown command', 'serve, local, query'] },
    { argv: ['serve', '--bogus'], errContains: ['unknown flag --bogus', 'serve'] },
    { argv: ['serve', '-x'], errContains: ['unknown flag -x'] },
    { argv: ['serve', 'extra'], errContains: ['takes no arguments', 'extra'] },
    { argv: ['serve', '--ttl'], errContains: ['--ttl', 'needs a value'] },
    { argv: ['serve', '--controller=yes'], errContains: ['--controller', 'takes no value'] },
    { argv: ['serve', '--ttl', '3601'], errContains: ['--ttl', '0-3600'] },
    { argv: ['serve', '--ttl', '-1'], errContains: ['--ttl'] },
    { argv: ['serve', '--ttl', 'five'], errContains: ['--ttl', 'whole number'] },
    { argv: ['serve', '--zone', 'bad_zone'], errContains: ['--zone', 'bad_zone'] },
    { argv: ['serve', '--zone', ''], errContains: ['--zone'] },
    { argv: ['serve', '--reverse-zone', 'cluster.local'], errContains: ['--reverse-zone', 'in-addr.arpa, ip6.arpa'] },
    { argv: ['serve', '--dns-listen', 'localhost:53'], errContains: ['--dns-listen', 'not an IP address'] },
    { argv: ['serve', '--dns-listen', '127.0.0.1'], errContains: ['--dns-listen', 'host:port'] },
    { argv: ['serve', '--dns-listen', '::1:53'], errContains: ['--dns-listen', '[ipv6]:port'] },
    { argv: ['serve', '--dns-listen', '127.0.0.1:70000'], errContains: ['--dns-listen', '0-65535'] },
    { argv: ['serve', '--endpoints-from', 'endpoints'], errContains: ['--endpoints-from', 'pods, endpointslices'] },
    { argv: ['serve', '--pods', 'on'], errContains: ['--pods', 'disabled, insecure, verified'] },
    { argv: ['serve', '--expected-negative-ttl', '6'], errContains: ['--expected-negative-ttl', 'above --ttl 5'] },
    { argv: ['serve', '--expected-negative-ttl', '-1'], errContains: ['--expected-negative-ttl'] },
    { argv: ['serve', '--log-level', 'loud'], errContains: ['--log-level', 'fatal, error, warn, info, debug, trace, silent'] },
    { argv: ['serve', '--max-udp-size', '511'], errContains: ['--max-udp-size', '512-4096'] },
    { argv: ['serve', '--max-udp-size', '65535'], errContains: ['--max-udp-size', '512-4096'] },
    { argv: ['serve', '--tcp-idle-timeout', '0'], errContains: ['--tcp-idle-timeout', 'out of range'] },
    { argv: ['serve', '--tcp-idle-timeout', '10x'], errContains: ['--tcp-idle-timeout', 'not a duration'] },
    { argv: ['serve', '--tcp-max-connections', '0'], errContains: ['--tcp-max-connections', '1-100000'] },
    { argv: ['serve', '--workers', '65'], errContains: ['--workers', '0-64'] },
    { argv: ['serve', '--main-thread-nice', '20'], errContains: ['--main-thread-nice', '0-19'] },
    { argv: ['serve', '--dns-deadline', '2ms'], errContains: ['--dns-deadline', '<runtime>/<period>', '2ms/4ms'] },
    { argv: ['serve', '--dns-deadline', '2/4'], errContains: ['--dns-deadline', 'units us or ms'] },
    { argv: ['serve', '--dns-deadline', '2s/4s'], errContains: ['--dns-deadline', 'units us or ms'] },
    { argv: ['serve', '--dns-deadline', '2ms/4ms/8ms'], errContains: ['--dns-deadline', '<runtime>/<period>'] },
    { argv: ['serve', '--dns-deadline', '4ms/4ms'], errContains: ['--dns-deadline', 'not less than the period'] },
    { argv: ['serve', '--dns-deadline', '5ms/4ms'], errContains: ['--dns-deadline', 'not less than the period'] },
    { argv: ['serve', '--dns-deadline', '10us/50us'], errContains: ['--dns-deadline', 'period 50us', '100us-4000ms'] },
    { argv: ['serve', '--dns-deadline', '1ms/5000ms'], errContains: ['--dns-deadline', '100us-4000ms'] },
    { argv: ['serve', '--dns-deadline', '0us/1ms'], errContains: ['--dns-deadline', 'below 1us'] },
    { argv: ['serve', '--dns-deadline', '2ms/4ms', '--dns-rt-priority', '1'], errContains: ['--dns-deadline and --dns-rt-priority', 'give one'] },
    { argv: ['local', '--dns-deadline', 'fast'], errContains: ['--dns-deadline', 'such as 2ms/4ms'] },
    { argv: ['serve', '--udp-io', 'fast'], errContains: ['--udp-io', 'auto, batch, dgram'] },
    { argv: ['serve', '--workers', '1.5'], errContains: ['--workers', 'whole number'] },
    { argv: ['serve', '--cache-size', '-5'], errContains: ['--cache-size'] },
    { argv: ['serve', '--namespace', 'Default'], errContains: ['--namespace', 'Default'] },
    { argv: ['serve', '--label-selector', ' '], errContains: ['--label-selector', 'empty'] },
    { argv: ['serve', '--http-listen', 'x'], errContains: ['--http-listen'] },
    { argv: ['serve', '--manifests', ''], errContains: ['--manifests', 'empty'] },
    { argv: ['local', '--nodes', '0'], errContains: ['--nodes', '1-100'] },
    { argv: ['local', '--nodes', '101'], errContains: ['--nodes', '1-100'] },
    { argv: ['local', '--ready-delay', 'soon'], errContains: ['--ready-delay', 'duration'] },
    { argv: ['local', '--node-grace-period', '2d'], errContains: ['--node-grace-period', 'duration'] },
    { argv: ['local', '--event-ttl', '800h'], errContains: ['--event-ttl', 'out of range'] },
    { argv: ['local', '--event-ttl', 'soon'], errContains: ['--event-ttl', 'duration'] },
    { argv: ['local', '--compaction-interval', '48h'], errContains: ['--compaction-interval', 'out of range'] },
    { argv: ['local', '--compaction-interval', 'often'], errContains: ['--compaction-interval', 'duration'] },
    { argv: ['local', '--api-listen', 'nowhere'], errContains: ['--api-listen'] },
    { argv: ['local', '--data-dir', ''], errContains: ['--data-dir', 'empty'] },
    { argv: ['local', '--frob'], errContains: ['unknown flag --frob', 'local'] },
    { argv: ['query'], errContains: ['needs a name'] },
    { argv: ['query', 'a', 'BOGUS'], errContains: ['BOGUS', 'A, NS, CNAME', 'TYPEnnn'] },
    { argv: ['query', 'a', 'TYPE70000'], errContains: ['TYPE70000'] },
    { argv: ['query', 'a', 'A', 'extra'], errContains: ['extra'] },
    { argv: ['query', 'a', '--server', 'dns.google:53'], errContains: ['--server', 'not an IP'] },
    { argv: ['query', 'a', '--ttl', '5'], errContains: ['unknown flag --ttl', 'query'] },
  ];
  it.each(rows)('$argv', ({ argv, errContains }) => {
    let caught: unknown;
    try {
      parseConfig(argv);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    for (const s of errContains) expect((caught as Error).message).toContain(s);
  });
});

describe('other commands', () => {
  it.each([
    { argv: ['help'], want: { command: 'help' } },
    { argv: ['--help'], want: { command: 'help' } },
    { argv: ['-h'], want: { command: 'help' } },
    { argv: ['serve', '--help'], want: { command: 'help' } },
    { argv: ['version'], want: { command: 'version' } },
    { argv: ['--version'], want: { command: 'version' } },
    { argv: ['query', 'web-0.nginx.default.svc.cluster.local'], want: { command: 'query', query: { name: 'web-0.nginx.default.svc.cluster.local', type: 1, typeName: 'A', server: '127.0.0.1:5353', tcp: false } } },
    { argv: ['query', 'x', 'srv', '--tcp', '--server', '[::1]:53'], want: { command: 'query', query: { name: 'x', type: 33, typeName: 'SRV', server: '[::1]:53', tcp: true } } },
    { argv: ['query', 'x', 'TYPE65'], want: { command: 'query', query: { name: 'x', type: 65, typeName: 'TYPE65', server: '127.0.0.1:5353', tcp: false } } },
  ])('$argv', ({ argv, want }) => {
    expect(parseConfig(argv)).toEqual(want);
  });

  it('local takes serve flags, positional manifests and its own flags', () => {
    const c = parseConfig(['local', 'a.yaml', '--manifests', 'b.yaml', '--ttl', '30', '--nodes', '5', '--ready-delay', '500ms',
      '--node-grace-period', '2m', '--api-listen', '127.0.0.1:0', '--data-dir', '/tmp/o', '--api-bind-any', '--event-ttl', '10m', '--compaction-interval', '0', '--memory-reduce-interval', '30s']);
    expect(c).toMatchObject({
      command: 'local',
      serve: { manifests: ['b.yaml', 'a.yaml'], ttl: 30 },
      local: { apiListen: '127.0.0.1:0', dataDir: '/tmp/o', nodes: 5, readyDelayMs: 500, nodeGracePeriodMs: 120_000, apiBindAny: true, eventTtlMs: 600_000, compactionIntervalMs: 0, memoryReduceIntervalMs: 30_000 },
    });
  });
  it('local defaults', () => {
    expect(parseConfig(['local'])).toMatchObject({
      local: { apiListen: '127.0.0.1:6443', dataDir: '.ordinal', nodes: 3, readyDelayMs: 1000, nodeGracePeriodMs: 40_000, apiBindAny: false, eventTtlMs: 3_600_000, compactionIntervalMs: 300_000, memoryReduceIntervalMs: 60_000 },
    });
  });
  it('the usage text lists every flag', () => {
    const flags = ['manifests', 'zone', 'reverse-zone', 'dns-listen', 'ttl', 'endpoints-from', 'log-level', 'max-udp-size',
      'tcp-idle-timeout', 'tcp-max-connections', 'workers', 'udp-io', 'cache-size', 'kubeconfig', 'context', 'namespace', 'label-selector',
      'http-listen', 'controller', 'api-listen', 'data-dir', 'nodes', 'ready-delay', 'node-grace-period', 'api-bind-any', 'event-ttl', 'compaction-interval', 'server', 'tcp'];
    for (const f of flags) expect(USAGE).toContain(`--${f} `);
  });
});
