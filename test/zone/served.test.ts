/**
 * Pod records and expected names over real sockets: the zone model behind the DNS server, asked
 * by c-ares (Node's resolver) and by the raw test client (replies decoded with dns2). The answer
 * cache must not outlive a change: an expected name's NXDOMAIN gives way to the answer as soon
 * as the pod is Ready, and the negative TTL a resolver sees is the expected-name SOA's.
 */
import { promises as dnsp } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../../src/dns/server.ts';
import { silentLogger } from '../../src/log.ts';
import { ClusterModel } from '../../src/zone/model.ts';
import { publishModel, SnapshotSource } from '../../src/zone/source.ts';
import { buildQuery, decode, tcpExchange, udpExchange } from '../helpers/dns-client.ts';
import { config, NOW } from './cluster.ts';
import { namespace, pod, service } from './fixtures.ts';

const D = 'default.svc.cluster.local';
const web = (i: number, ready: boolean): object =>
  pod('default', `web-${i}`, { labels: { app: 'web' }, ips: [`10.244.0.${10 + i}`], hostname: `web-${i}`, subdomain: 'web', ready });

let srv: DnsServer;
let model: ClusterModel;
let pub: ReturnType<typeof publishModel>;
const resolver = new dnsp.Resolver({ timeout: 2000, tries: 1 });

beforeAll(async () => {
  model = new ClusterModel(config({ ttl: 30, pods: 'insecure', expectedNegativeTtl: 0 }), { now: () => NOW });
  for (const o of [
    namespace('default'),
    service('default', 'web', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] }),
    { kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' }, spec: { serviceName: 'web', replicas: 3 } },
    web(0, true), web(1, false),
  ]) model.apply(o);
  model.markSynced();
  const source = new SnapshotSource(model.snapshot());
  pub = publishModel(model, source);
  srv = await startDnsServer({ listen: '127.0.0.1:0', source, maxUdpSize: 1232, tcpIdleTimeoutMs: 10_000, tcpMaxConnections: 100, cacheSize: 1000, log: silentLogger() });
  resolver.setServers([`127.0.0.1:${srv.port}`]);
});
afterAll(() => srv.close());

/** [rcode, SOA TTL, SOA MINIMUM] of a reply over UDP or TCP. */
async function negative(name: string, tcp = false): Promise<[number, number, number]> {
  const q = buildQuery(name, 1);
  const raw = tcp ? (await tcpExchange(srv.port, [q]))[0]! : await udpExchange(srv.port, q);
  const p = decode(raw);
  const soa = p.authorities[0] as unknown as { ttl: number; minimum: number };
  return [p.header.rcode, soa.ttl, soa.minimum];
}

describe('pod records over sockets (c-ares)', () => {
  it.each([
    { name: 'A', run: (): Promise<string[]> => resolver.resolve4('10-244-0-10.default.pod.cluster.local'), want: ['10.244.0.10'] },
    { name: 'A, any IP (insecure)', run: (): Promise<string[]> => resolver.resolve4('192-0-2-1.default.pod.cluster.local'), want: ['192.0.2.1'] },
    { name: 'AAAA', run: (): Promise<string[]> => resolver.resolve6('fd00--1.default.pod.cluster.local'), want: ['fd00::1'] },
  ])('$name', async ({ run, want }) => {
    expect(await run()).toEqual(want);
  });

  it('NXDOMAIN for a namespace that does not exist, NODATA for the other family', async () => {
    await expect(resolver.resolve4('10-244-0-10.nope.pod.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve6('10-244-0-10.default.pod.cluster.local')).rejects.toMatchObject({ code: 'ENODATA' });
  });
});

describe('expected names over sockets', () => {
  it.each([false, true])('NXDOMAIN with SOA TTL and MINIMUM 0 (tcp %s); others keep 30', async (tcp) => {
    expect(await negative(`web-1.web.${D}`, tcp)).toEqual([3, 0, 0]);
    expect(await negative(`web-2.web.${D}`, tcp)).toEqual([3, 0, 0]);
    expect(await negative(`web-3.web.${D}`, tcp)).toEqual([3, 30, 30]);
  });

  it('the answer cache follows the pod turning Ready', async () => {
    await expect(resolver.resolve4(`web-1.web.${D}`)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    model.apply(web(1, true));
    pub.notify();
    expect(await resolver.resolve4(`web-1.web.${D}`)).toEqual(['10.244.0.11']);
    // Scaling down takes web-2 out of the rule: its NXDOMAIN gets the zone's SOA again.
    model.apply({ kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' }, spec: { serviceName: 'web', replicas: 2 } });
    pub.notify();
    expect(await negative(`web-2.web.${D}`)).toEqual([3, 30, 30]);
  });
});
