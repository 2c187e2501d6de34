/** Projection of API objects into slim records: only what DNS needs, API defaults applied. */
import { describe, expect, it } from 'vitest';
import { projectEndpointSlice, projectNamespace, projectPod, projectService, toSlim } from '../../src/zone/project.ts';
import { pod, service, slice } from './fixtures.ts';

describe('projectService', () => {
  it.each([
    {
      name: 'headless with named targetPort',
      obj: service('ns1', 'Kubia', { clusterIP: 'None', selector: { app: 'kubia' }, ports: [{ name: 'HTTP', port: 80, targetPort: 'web', protocol: 'tcp' }] }),
      want: {
        kind: 'Service', ns: 'ns1', name: 'kubia', type: 'Headless', clusterIPs: [], externalName: '',
        ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'web' }], selector: { app: 'kubia' }, publishNotReadyAddresses: false,
      },
    },
    {
      name: 'ClusterIP dual-stack, targetPort defaults to port, protocol to TCP',
      obj: service('ns1', 'db', { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1', 'fd00::1'], ports: [{ port: 5432 }] }),
      want: { type: 'ClusterIP', clusterIPs: ['10.0.0.1', 'fd00::1'], ports: [{ name: '', protocol: 'TCP', port: 5432, targetPort: 5432 }], selector: null },
    },
    {
      name: 'ExternalName: trailing dot dropped, lowercased',
      obj: service('ns1', 'ext', { type: 'ExternalName', externalName: 'WWW.Example.COM.' }),
      want: { type: 'ExternalName', externalName: 'www.example.com', clusterIPs: [] },
    },
    {
      name: 'publishNotReadyAddresses and an empty selector (= selector-less)',
      obj: service('ns1', 'p', { clusterIP: 'None', selector: {}, publishNotReadyAddresses: true }),
      want: { publishNotReadyAddresses: true, selector: null },
    },
    {
      name: 'missing namespace defaults, ports without a number dropped',
      obj: { metadata: { name: 'x' }, spec: { ports: [{ name: 'bad' }, { port: 53, protocol: 'UDP' }] } },
      want: { ns: 'default', type: 'ClusterIP', ports: [{ name: '', protocol: 'UDP', port: 53, targetPort: 53 }] },
    },
  ])('$name', ({ obj, want }) => {
    expect(projectService(obj)).toMatchObject(want);
  });
});

describe('projectPod', () => {
  it.each([
    {
      name: 'ready statefulset pod',
      obj: pod('ns1', 'web-0', { labels: { app: 'web' }, ips: ['10.0.0.1', 'fd00::1'], hostname: 'web-0', subdomain: 'web', ports: [{ name: 'http', containerPort: 8080 }] }),
      want: {
        kind: 'Pod', ns: 'ns1', name: 'web-0', labels: { app: 'web' }, ips: ['10.0.0.1', 'fd00::1'], ready: true, terminating: false, terminal: false,
        hostname: 'web-0', subdomain: 'web', containerPorts: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
      },
    },
    { name: 'not ready, deleting', obj: pod('ns1', 'x', { ready: false, deleting: true }), want: { ready: false, terminating: true, ips: [] } },
    { name: 'failed', obj: pod('ns1', 'x', { phase: 'Failed' }), want: { terminal: true } },
    { name: 'podIP only', obj: { metadata: { name: 'x' }, status: { podIP: '10.1.1.1' } }, want: { ips: ['10.1.1.1'], ready: false } },
  ])('$name', ({ obj, want }) => {
    expect(projectPod(obj)).toMatchObject(want);
  });

  it('keeps nothing DNS does not need', () => {
    const p = projectPod({ ...pod('ns1', 'x'), extra: 'x'.repeat(10_000) }) as unknown as Record<string, unknown>;
    expect(Object.keys(p).sort()).toEqual(['containerPorts', 'hostname', 'ips', 'kind', 'labels', 'name', 'ns', 'ready', 'subdomain', 'terminal', 'terminating']);
  });
});

describe('projectEndpointSlice', () => {
  it('keeps ready, hostname, targetRef, ports and the service label', () => {
    const s = projectEndpointSlice(slice('ns1', 'web-abc', 'web', [
      { ip: '10.0.0.1', hostname: 'web-0', pod: 'web-0' }, { ip: '10.0.0.2', ready: false }, { ip: '10.0.0.3', ready: null },
    ], [{ name: 'http', port: 8080 }, { port: 53, protocol: 'UDP' }]));
    expect(s).toEqual({
      kind: 'EndpointSlice', ns: 'ns1', name: 'web-abc', service: 'web',
      endpoints: [
        { ips: ['10.0.0.1'], hostname: 'web-0', ready: true, targetRef: 'web-0' },
        { ips: ['10.0.0.2'], hostname: '', ready: false, targetRef: '' },
        { ips: ['10.0.0.3'], hostname: '', ready: true, targetRef: '' },
      ],
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }, { name: '', protocol: 'UDP', port: 53 }],
    });
  });
});

describe('toSlim', () => {
  it('dispatches on kind, passes slim records through, rejects garbage', () => {
    expect(projectNamespace({ metadata: { name: 'Apps' } })).toEqual({ kind: 'Namespace', name: 'apps' });
    const slim = toSlim(service('a', 'b'));
    expect(toSlim(slim)).toBe(slim);
    expect(() => toSlim(null)).toThrow(/unsupported kind/);
    expect(() => toSlim('Pod')).toThrow(/unsupported kind/);
    expect(() => toSlim({ metadata: 'x' }, 'Pod')).toThrow(/Pod without metadata.name/);
  });
});
