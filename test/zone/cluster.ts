/**
 * Test helper: one small cluster (the kubia story plus edge cases), expressed both as Pods and
 * as the EndpointSlices the EndpointSlice controller would write for them, so the same lookup
 * table runs against both endpoint sources.
 */
import { ClusterModel } from '../../src/zone/model.ts';
import type { ZoneConfig } from '../../src/zone/types.ts';
import { namespace, pod, service, slice } from './fixtures.ts';

export const NOW = 1_000_000_000_000; // ms; serials start at 1e9

export function config(o: Partial<ZoneConfig> = {}): ZoneConfig {
  return {
    zones: ['cluster.local'], reverseZones: ['in-addr.arpa', 'ip6.arpa'], ttl: 5, endpointsFrom: 'pods',
    nsAddresses: ['10.96.0.10', 'fd00::10'], ...o,
  };
}

const services = [
  namespace('default'), namespace('apps'), namespace('empty'),
  service('default', 'kubia', { clusterIP: 'None', selector: { app: 'kubia' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
  service('default', 'web', {
    clusterIP: '10.96.0.20', selector: { app: 'web' },
    ports: [{ name: 'http', port: 80, targetPort: 'http-alt' }, { port: 443, targetPort: 8443 }],
  }),
  service('default', 'ds', { clusterIP: 'None', selector: { app: 'ds' }, ports: [{ name: 'http', port: 80 }] }),
  service('default', 'ext', { type: 'ExternalName', externalName: 'kubia.default.svc.cluster.local.' }),
  service('default', 'ext2', { type: 'ExternalName', externalName: 'www.example.com' }),
  service('default', 'loop1', { type: 'ExternalName', externalName: 'loop2.default.svc.cluster.local' }),
  service('default', 'loop2', { type: 'ExternalName', externalName: 'loop1.default.svc.cluster.local' }),
  service('default', 'gone', { type: 'ExternalName', externalName: 'nothing.default.svc.cluster.local' }),
  service('default', 'empty-hl', { clusterIP: 'None', selector: { app: 'none' }, ports: [{ name: 'http', port: 80 }] }),
  service('default', 'pna', { clusterIP: 'None', selector: { app: 'pna' }, publishNotReadyAddresses: true, ports: [{ name: 'peer', port: 7000 }] }),
  service('apps', 'db', { clusterIP: '10.96.1.1', clusterIPs: ['10.96.1.1', 'fd00::1:1'], ports: [{ name: 'pg', port: 5432 }] }),
];

const pods = [
  pod('default', 'kubia-0', { labels: { app: 'kubia' }, ips: ['10.244.1.10'], hostname: 'kubia-0', subdomain: 'kubia' }),
  pod('default', 'kubia-1', { labels: { app: 'kubia' }, ips: ['10.244.1.11'], hostname: 'kubia-1', subdomain: 'kubia' }),
  pod('default', 'kubia-2', { labels: { app: 'kubia' }, ips: ['10.244.1.12'], hostname: 'kubia-2', subdomain: 'kubia', ready: false }),
  pod('default', 'web-a', { labels: { app: 'web' }, ips: ['10.244.2.1'], ports: [{ name: 'http-alt', containerPort: 8080 }] }),
  pod('default', 'web-b', { labels: { app: 'web' }, ips: ['10.244.2.2'] }),
  pod('default', 'ds-0', { labels: { app: 'ds' }, ips: ['10.244.3.1', 'fd00::3:1'], hostname: 'ds-0', subdomain: 'ds' }),
  pod('default', 'ds-1', { labels: { app: 'ds' }, ips: ['10.244.3.2', 'fd00:1::'] }),
  pod('default', 'pna-0', { labels: { app: 'pna' }, ips: ['10.244.4.1'], ready: false }),
];

const slices = [
  slice('default', 'kubia-x', 'kubia', [
    { ip: '10.244.1.10', hostname: 'kubia-0', pod: 'kubia-0' }, { ip: '10.244.1.11', hostname: 'kubia-1', ready: null },
    { ip: '10.244.1.12', hostname: 'kubia-2', ready: false },
  ], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
  slice('default', 'web-x', 'web', [{ ip: '10.244.2.1' }], [{ name: 'http', port: 8080 }, { port: 8443 }]),
  slice('default', 'web-y', 'web', [{ ip: '10.244.2.2' }], [{ port: 8443 }]),
  slice('default', 'ds-4', 'ds', [{ ip: '10.244.3.1', hostname: 'ds-0' }, { ip: '10.244.3.2' }], [{ name: 'http', port: 80 }]),
  slice('default', 'ds-6', 'ds', [{ ip: 'fd00::3:1', hostname: 'ds-0' }, { ip: 'fd00:1::' }], [{ name: 'http', port: 80 }], 'IPv6'),
  slice('default', 'pna-x', 'pna', [{ ip: '10.244.4.1' }], [{ name: 'peer', port: 7000 }]),
];

/** A synced model holding the whole fixture cluster from the given endpoint source. */
export function cluster(o: Partial<ZoneConfig> = {}, synced = true): ClusterModel {
  const cfg = config(o);
  const m = new ClusterModel(cfg, { now: () => NOW });
  for (const obj of [...services, ...(cfg.endpointsFrom === 'pods' ? pods : slices)]) m.apply(obj);
  if (synced) m.markSynced();
  return m;
}
