/**
 * Events expire `--event-ttl` after their last write, as kube-apiserver's etcd leases make them:
 * the pure store with a fake clock (table), then the whole `ordinal local` API with kubectl's
 * client library, where an expired Event is gone from lists and watchers see it DELETED.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { EventExpiry, lastWritten } from '../../../src/local/api/event-ttl.ts';
import { startLocalApi, type LocalApi } from '../../../src/local/api/index.ts';
import { Store, type KObject } from '../../../src/local/api/store.ts';
import { silentLogger } from '../../../src/log.ts';
import { waitFor } from '../sim/cluster.ts';

const TTL = 1000;
const T0 = Date.parse('2026-12-05T10:00:00Z');

function ev(name: string, extra: Record<string, unknown> = {}): KObject {
  return { apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' }, ...extra };
}

interface Step { at: number; write?: [resource: string, obj: KObject]; remove?: string }
interface Case { name: string; before?: [string, KObject][]; steps: Step[]; sweepAt: number; left: string[] }

const cases: Case[] = [
  { name: 'an Event lives one TTL after its write', steps: [{ at: 0, write: ['events', ev('a')] }], sweepAt: TTL - 1, left: ['events/a'] },
  { name: 'and is gone at the TTL', steps: [{ at: 0, write: ['events', ev('a')] }], sweepAt: TTL, left: [] },
  {
    name: 'a later write renews it (count++ on a repeated Event)',
    steps: [{ at: 0, write: ['events', ev('a')] }, { at: 600, write: ['events', ev('a', { count: 2 })] }, { at: 700, write: ['events', ev('b')] }],
    sweepAt: 1500, left: ['events/a', 'events/b'],
  },
  {
    name: 'the oldest go first, the rest stay',
    steps: [{ at: 0, write: ['events', ev('a')] }, { at: 500, write: ['events', ev('b')] }],
    sweepAt: 1200, left: ['events/b'],
  },
  { name: 'events.k8s.io Events expire too', steps: [{ at: 0, write: ['events.events.k8s.io', ev('n')] }], sweepAt: TTL, left: [] },
  {
    name: 'other kinds never expire',
    steps: [{ at: 0, write: ['configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } }] }],
    sweepAt: 10 * TTL, left: ['configmaps/c'],
  },
  {
    name: 'Events found at startup expire by their newest timestamp',
    before: [
      ['events', ev('old', { lastTimestamp: new Date(T0 - 5000).toISOString() })],
      ['events', ev('recent', { firstTimestamp: new Date(T0 - 5000).toISOString(), lastTimestamp: new Date(T0 - 200).toISOString() })],
      ['events.events.k8s.io', ev('series', { eventTime: new Date(T0 - 5000).toISOString(), series: { count: 3, lastObservedTime: new Date(T0 - 100).toISOString() } })],
      ['events', ev('undated')],
    ],
    steps: [], sweepAt: 850, left: ['events.events.k8s.io/series', 'events/undated'],
  },
  { name: 'a deleted Event is forgotten', steps: [{ at: 0, write: ['events', ev('a')] }, { at: 10, remove: 'events/a' }], sweepAt: TTL, left: [] },
];

function contents(store: Store): string[] {
  return store.resources().flatMap((r) => store.list(r).map((o) => `${r}/${o.metadata.name}`)).sort();
}

describe('EventExpiry', () => {
  it.each(cases)('$name', async ({ before = [], steps, sweepAt, left }) => {
    let now = T0;
    const store = new Store();
    for (const [r, o] of before) store.put(r, o);
    const expiry = new EventExpiry(store, TTL, silentLogger(), () => now);
    const deleted: string[] = [];
    store.subscribe((e) => { if (e.type === 'DELETED') deleted.push(`${e.resource}/${e.object.metadata.name}`); });
    for (const s of steps) {
      now = T0 + s.at;
      if (s.write) store.put(...s.write);
      if (s.remove) store.remove(s.remove.split('/')[0]!, 'default', s.remove.split('/')[1]!);
      await expiry.sweep();
    }
    now = T0 + sweepAt;
    await expiry.sweep();
    expect(contents(store)).toEqual(left);
    expect(expiry.size()).toBe(left.filter((k) => k.startsWith('events')).length);
    const removed = (k: string): boolean => steps.some((s) => s.remove === k);
    const written = new Set([...before, ...steps.flatMap((s) => (s.write ? [s.write] : []))].map(([r, o]) => `${r}/${o.metadata.name}`));
    expect(deleted.filter((k) => !removed(k)).sort()).toEqual([...written].filter((k) => !left.includes(k) && !removed(k)).sort());
    expiry.stop();
  });

  it.each([
    { name: 'lastTimestamp', obj: ev('x', { lastTimestamp: '2026-01-01T00:00:00Z' }), want: Date.parse('2026-01-01T00:00:00Z') },
    { name: 'the newest of several', obj: ev('x', { eventTime: '2026-01-01T00:00:00.000000Z', deprecatedLastTimestamp: '2026-02-01T00:00:00Z' }), want: Date.parse('2026-02-01T00:00:00Z') },
    { name: 'creationTimestamp when nothing else', obj: { metadata: { name: 'x', creationTimestamp: '2026-03-01T00:00:00Z' } }, want: Date.parse('2026-03-01T00:00:00Z') },
    { name: 'nothing parseable', obj: ev('x', { lastTimestamp: null, eventTime: 'yesterday' }), want: undefined },
  ])('lastWritten: $name', ({ obj, want }) => {
    expect(lastWritten(obj)).toBe(want);
  });
});

describe('the embedded API with an event TTL', () => {
  let api: LocalApi | undefined;
  let dir = '';
  afterEach(async () => {
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('deletes an Event once its TTL ran out, and watchers see DELETED; after a restart too', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ordinal-evttl-'));
    api = await startLocalApi({ listen: '127.0.0.1:0', dataDir: dir, eventTtlMs: 600 });
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    const seen: string[] = [];
    const w = await new Watch(api.kubeConfig()).watch('/api/v1/namespaces/default/events', {}, (type, obj: { metadata: { name: string } }) => seen.push(`${type} ${obj.metadata.name}`), () => {});
    const body = (name: string) => ({ metadata: { name }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Test', message: 'm', type: 'Normal' });
    await core.createNamespacedEvent({ namespace: 'default', body: body('e1') });
    await waitFor('e1 expired', async () => (await core.listNamespacedEvent({ namespace: 'default' })).items.length === 0, 5000);
    await waitFor('DELETED e1 watched', async () => seen.includes('DELETED e1'), 2000);
    w.abort();

    // An Event written just before a restart still expires after it: its lease is not in the
    // log, its timestamps are (a long-past one expiring at startup is in the table above; over
    // the API, creationTimestamp is always the write's own time).
    await core.createNamespacedEvent({ namespace: 'default', body: { ...body('fresh'), lastTimestamp: new Date() } });
    await api.close();
    // Seconds, not 600 ms, after the restart: a slow restart let the Event expire before the
    // first list could see it. Other Events (the API's own) are not this test's business.
    api = await startLocalApi({ listen: '127.0.0.1:0', dataDir: dir, eventTtlMs: 3000 });
    const core2 = api.kubeConfig().makeApiClient(CoreV1Api);
    const names = async (): Promise<string[]> => (await core2.listNamespacedEvent({ namespace: 'default' })).items
      .map((e) => e.metadata!.name!).filter((n) => n === 'fresh');
    expect(await names()).toEqual(['fresh']);
    await waitFor('fresh expired', async () => (await names()).length === 0, 8000);
  }, 20_000);

  it('keeps Events with a TTL of 0', async () => {
    api = await startLocalApi({ listen: '127.0.0.1:0', eventTtlMs: 0 });
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedEvent({ namespace: 'default', body: { metadata: { name: 'kept' }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'R', message: 'm' } });
    await new Promise((r) => setTimeout(r, 300));
    expect((await core.listNamespacedEvent({ namespace: 'default' })).items.map((e) => e.metadata!.name)).toEqual(['kept']);
  });
});
