// sameResolved decides whether a service's records are rebuilt (model.ts). It must call two
// resolutions equal exactly when their JSON forms are equal, which is what the model compared
// before: a field it misses would serve stale records, a field too many would only rebuild.
import { describe, expect, it } from 'vitest';
import { sameResolved, type ResolvedEndpoint, type ResolvedService } from '../../src/zone/resolve.ts';

const ep = (label: string, ips: string[], port = 7000, name = 'peer'): ResolvedEndpoint => ({ label, ips, ports: [{ name, protocol: 'TCP', port }] });
const base: ResolvedService = {
  ns: 'soak', name: 'big0', type: 'Headless', clusterIPs: [], externalName: '',
  ports: [{ name: 'peer', protocol: 'TCP', port: 7000, targetPort: 7000 }],
  endpoints: [ep('big0-0', ['10.244.1.2']), ep('big0-1', ['10.244.2.3'])],
};
const copy = (): ResolvedService => structuredClone(base);

const cases: Array<{ name: string; b: () => ResolvedService }> = [
  { name: 'the same object', b: () => base },
  { name: 'an equal copy', b: copy },
  { name: 'another namespace', b: () => ({ ...copy(), ns: 'other' }) },
  { name: 'another name', b: () => ({ ...copy(), name: 'big1' }) },
  { name: 'another type', b: () => ({ ...copy(), type: 'ClusterIP', clusterIPs: ['10.96.0.10'] }) },
  { name: 'an ExternalName target', b: () => ({ ...copy(), type: 'ExternalName', externalName: 'db.example.com', endpoints: [] }) },
  { name: 'a cluster IP added', b: () => ({ ...copy(), clusterIPs: ['10.96.0.10'] }) },
  { name: 'a service port renumbered', b: () => ({ ...copy(), ports: [{ ...base.ports[0]!, port: 7001 }] }) },
  { name: 'a targetPort as a name', b: () => ({ ...copy(), ports: [{ ...base.ports[0]!, targetPort: 'peer' }] }) },
  { name: 'a targetPort as a string of digits', b: () => ({ ...copy(), ports: [{ ...base.ports[0]!, targetPort: '7000' }] }) },
  { name: 'a service port protocol', b: () => ({ ...copy(), ports: [{ ...base.ports[0]!, protocol: 'UDP' }] }) },
  { name: 'an endpoint fewer', b: () => ({ ...copy(), endpoints: [ep('big0-0', ['10.244.1.2'])] }) },
  { name: 'an endpoint more', b: () => ({ ...copy(), endpoints: [...copy().endpoints, ep('big0-2', ['10.244.3.4'])] }) },
  { name: 'endpoints in another order', b: () => ({ ...copy(), endpoints: [...copy().endpoints].reverse() }) },
  { name: 'an endpoint relabelled', b: () => ({ ...copy(), endpoints: [ep('big0-9', ['10.244.1.2']), ep('big0-1', ['10.244.2.3'])] }) },
  { name: 'an endpoint readdressed', b: () => ({ ...copy(), endpoints: [ep('big0-0', ['10.244.1.9']), ep('big0-1', ['10.244.2.3'])] }) },
  { name: 'an endpoint with a second address', b: () => ({ ...copy(), endpoints: [ep('big0-0', ['10.244.1.2', 'fd00::2']), ep('big0-1', ['10.244.2.3'])] }) },
  { name: 'an endpoint port renumbered', b: () => ({ ...copy(), endpoints: [ep('big0-0', ['10.244.1.2'], 7001), ep('big0-1', ['10.244.2.3'])] }) },
  { name: 'an endpoint port renamed', b: () => ({ ...copy(), endpoints: [ep('big0-0', ['10.244.1.2'], 7000, 'client'), ep('big0-1', ['10.244.2.3'])] }) },
  { name: 'an endpoint without ports', b: () => ({ ...copy(), endpoints: [{ label: 'big0-0', ips: ['10.244.1.2'], ports: [] }, ep('big0-1', ['10.244.2.3'])] }) },
];

describe('sameResolved', () => {
  it.each(cases)('$name: equal exactly when the JSON forms are', ({ b }) => {
    const other = b();
    const want = JSON.stringify(base) === JSON.stringify(other);
    expect(sameResolved(base, other)).toBe(want);
    expect(sameResolved(other, base)).toBe(want);
  });

  it('the table has both outcomes', () => {
    const equal = cases.filter(({ b }) => JSON.stringify(base) === JSON.stringify(b())).length;
    expect(equal).toBe(2);
  });
});
