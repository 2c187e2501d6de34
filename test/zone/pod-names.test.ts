/**
 * Pod records (`<a-b-c-d>.<ns>.pod.<zone>`), CoreDNS `pods disabled|insecure|verified` (dns.md
 * B.1, zone/pod-names.ts): the label parser, then one lookup table per mode over the same
 * cluster, then what pod events do to a `verified` zone.
 */
import { describe, expect, it } from 'vitest';
import { ClusterModel } from '../../src/zone/model.ts';
import { lookup } from '../../src/zone/lookup.ts';
import { podLabelIP } from '../../src/zone/pod-names.ts';
import { RRClass, RRType, type PodsMode } from '../../src/zone/types.ts';
import { config, NOW } from './cluster.ts';
import { namespace, pod } from './fixtures.ts';
import { showResult } from './rr.ts';

const { A, AAAA, SRV, TXT, ANY } = RRType;
const SERIAL = 1000000000; // content snapshots keep the serial until sealed (zone/serial.ts)
const Z = `cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. ${SERIAL} 7200 1800 86400 5`;
const P = 'pod.cluster.local';

describe('podLabelIP reads a label as CoreDNS does', () => {
  it.each([
    ['10-244-1-10', '10.244.1.10'],
    ['0-0-0-0', '0.0.0.0'],
    ['fd00--1', 'fd00::1'],
    ['fd00-0-0-0-0-0-0-1', 'fd00::1'],
    ['--1', '::1'],
    ['fd00-10-244-3--7', 'fd00:10:244:3::7'],
    ['10-244-1', undefined], // two dashes: read as IPv6, which it is not
    ['10-244-1-300', undefined],
    ['010-244-1-1', undefined], // no leading zeros (Go's net.ParseIP agrees)
    ['a-b-c-d', undefined],
    ['10-244--1', '10:244::1'], // a `--` always means IPv6
    ['web-0', undefined],
    ['', undefined],
  ])('%j -> %j', (label, want) => {
    expect(podLabelIP(label)).toBe(want);
  });
});

function zone(mode: PodsMode): ClusterModel {
  const m = new ClusterModel(config({ pods: mode }), { now: () => NOW });
  for (const o of [
    namespace('default'), namespace('apps'),
    pod('default', 'web-0', { ips: ['10.244.1.10'] }),
    pod('default', 'ds-0', { ips: ['10.244.3.1', 'fd00::3:1'] }),
    pod('default', 'gone', { ips: ['10.244.9.9'], deleting: true }),
    pod('default', 'done', { ips: ['10.244.9.8'], phase: 'Succeeded' }),
    pod('default', 'unready', { ips: ['10.244.9.7'], ready: false }),
  ]) m.apply(o);
  m.markSynced();
  return m;
}

interface Row { q: string; t: number; insecure: string[] | number; verified: string[] | number; disabled?: number }
const nodata = 0;
const nx = 3;
const aOf = (name: string, ip: string): string[] => [`${name}. 5 IN ${ip.includes(':') ? 'AAAA' : 'A'} ${ip}`];

const rows: Row[] = [
  { q: `10-244-1-10.default.${P}`, t: A, insecure: aOf(`10-244-1-10.default.${P}`, '10.244.1.10'), verified: aOf(`10-244-1-10.default.${P}`, '10.244.1.10') },
  { q: `10-244-1-10.default.${P}`, t: ANY, insecure: aOf(`10-244-1-10.default.${P}`, '10.244.1.10'), verified: aOf(`10-244-1-10.default.${P}`, '10.244.1.10') },
  { q: `10-244-1-10.default.${P}`, t: AAAA, insecure: nodata, verified: nodata },
  { q: `10-244-1-10.default.${P}`, t: SRV, insecure: nodata, verified: nodata },
  { q: `10-244-1-10.default.${P}`, t: TXT, insecure: nodata, verified: nodata },
  { q: `fd00--3-1.default.${P}`, t: AAAA, insecure: aOf(`fd00--3-1.default.${P}`, 'fd00:0:0:0:0:0:3:1'), verified: aOf(`fd00--3-1.default.${P}`, 'fd00:0:0:0:0:0:3:1') },
  { q: `fd00--3-1.default.${P}`, t: A, insecure: nodata, verified: nodata },
  { q: `10-244-3-1.default.${P}`, t: A, insecure: aOf(`10-244-3-1.default.${P}`, '10.244.3.1'), verified: aOf(`10-244-3-1.default.${P}`, '10.244.3.1') },
  // A pod of another namespace: verified checks the namespace too.
  { q: `10-244-1-10.apps.${P}`, t: A, insecure: aOf(`10-244-1-10.apps.${P}`, '10.244.1.10'), verified: nx },
  { q: `1-2-3-4.default.${P}`, t: A, insecure: aOf(`1-2-3-4.default.${P}`, '1.2.3.4'), verified: nx },
  // Finished pods are not verified; terminating and unready ones are (CoreDNS 1.14 alike).
  { q: `10-244-9-9.default.${P}`, t: A, insecure: aOf(`10-244-9-9.default.${P}`, '10.244.9.9'), verified: aOf(`10-244-9-9.default.${P}`, '10.244.9.9') },
  { q: `10-244-9-8.default.${P}`, t: A, insecure: aOf(`10-244-9-8.default.${P}`, '10.244.9.8'), verified: nx },
  { q: `10-244-9-7.default.${P}`, t: A, insecure: aOf(`10-244-9-7.default.${P}`, '10.244.9.7'), verified: aOf(`10-244-9-7.default.${P}`, '10.244.9.7') },
  { q: `not-an-ip.default.${P}`, t: A, insecure: nx, verified: nx },
  { q: `10-244-1-10.nope.${P}`, t: A, insecure: nx, verified: nx },
  { q: `x.10-244-1-10.default.${P}`, t: A, insecure: nx, verified: nx },
  { q: `default.${P}`, t: A, insecure: nodata, verified: nodata },
  { q: `nope.${P}`, t: A, insecure: nx, verified: nx },
  { q: P, t: A, insecure: nodata, verified: nodata },
  { q: P, t: TXT, insecure: nodata, verified: nodata },
];

describe.each(['disabled', 'insecure', 'verified'] as const)('pods %s', (mode) => {
  const snap = zone(mode).snapshot();
  it.each(rows)('$q type $t', (row) => {
    const want = mode === 'disabled' ? nx : row[mode];
    const r = showResult(lookup(snap, row.q, row.t, RRClass.IN));
    if (typeof want === 'number') {
      expect(r).toMatchObject({ rcode: want, aa: true, answer: [], authority: [Z] });
    } else {
      expect(r).toMatchObject({ rcode: 0, aa: true, answer: want, authority: [] });
    }
  });
});

describe('pods verified follows pod events', () => {
  const q = (m: ClusterModel, name: string): number => lookup(m.snapshot(), name, A, RRClass.IN).rcode;
  it('answers from the IPs of pods that have not finished, and an update that keeps the IPs makes no new snapshot', () => {
    const m = zone('verified');
    const name = `10-244-5-5.default.${P}`;
    expect(q(m, name)).toBe(nx);
    m.apply(pod('default', 'new', { ips: ['10.244.5.5'] }));
    expect(q(m, name)).toBe(0);
    const v = m.snapshot().version;
    m.apply(pod('default', 'new', { ips: ['10.244.5.5'], ready: false }));
    expect(m.snapshot().version).toBe(v);
    // Two pods on one IP (hostNetwork): the name lives until the last one goes.
    m.apply(pod('default', 'host', { ips: ['10.244.5.5'] }));
    m.remove(pod('default', 'new'));
    expect(q(m, name)).toBe(0);
    m.apply(pod('default', 'host', { ips: ['10.244.5.5'], deleting: true }));
    expect(q(m, name)).toBe(0);
    m.apply(pod('default', 'host', { ips: ['10.244.5.5'], phase: 'Failed' }));
    expect(q(m, name)).toBe(nx);
  });
});
