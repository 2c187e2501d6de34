// A DNS thread back from a stop holds its answers (SERVFAIL) until the watching thread says its
// informers have all listed since the resume, or a cap passes (src/dns/freshness.ts).
import { describe, expect, it } from 'vitest';
import { freshnessGate } from '../../src/dns/freshness.ts';
import { createHandler } from '../../src/dns/handler.ts';
import { silentLogger } from '../../src/log.ts';
import { buildQuery, decode } from '../helpers/dns-client.ts';
import { demoRecords, fakeLookup, fakeSource, snapshot } from './fake-zone.ts';

function clocks(): { t: { mono: number; wall: number; cpu: number }; gate: ReturnType<typeof freshnessGate> } {
  const t = { mono: 0, wall: 1_000_000, cpu: 0 };
  const gate = freshnessGate({ now: () => t.mono, wall: () => t.wall, cpu: () => t.cpu, thresholdMs: 3000, maxHoldMs: 5000, tickMs: 60_000 });
  return { t, gate };
}
/** `ms` pass; the thread computed for `busy` of them. */
const step = (t: { mono: number; wall: number; cpu: number }, ms: number, busy = 0): void => { t.mono += ms; t.wall += ms; t.cpu += busy; };

describe('freshness gate', () => {
  it('holds after a stop until the watching thread says it caught up since', () => {
    const { t, gate } = clocks();
    step(t, 100);
    expect(gate.holding()).toBe(false);
    const before = t.wall;
    step(t, 30_000); // stopped
    expect(gate.holding()).toBe(true);
    gate.caughtUp(before); // a list begun before the stop, read after it: not the catch-up
    expect(gate.holding()).toBe(true);
    for (let i = 0; i < 8; i++) { step(t, 100); expect(gate.holding()).toBe(true); } // deltas may come meanwhile: only caughtUp ends the hold
    gate.caughtUp(t.wall - 700); // the relists began at the watching thread's resume
    expect(gate.holding()).toBe(false);
    gate.stop();
  });

  it('stops holding after the cap when nothing says so (the API is down or slow)', () => {
    const { t, gate } = clocks();
    step(t, 10_000);
    expect(gate.holding()).toBe(true);
    for (let i = 0; i < 49; i++) { step(t, 100); expect(gate.holding()).toBe(true); } // queries keep coming
    step(t, 200);
    expect(gate.holding()).toBe(false);
    gate.caughtUp(t.wall); // late: changes nothing
    expect(gate.holding()).toBe(false);
    gate.stop();
  });

  it('a long apply of its own is not a stop: the thread was on the CPU', () => {
    const { t, gate } = clocks();
    step(t, 5000, 4950); // the seed of a big zone, applied synchronously
    expect(gate.holding()).toBe(false);
    gate.stop();
  });

  it('a caughtUp with no stop noticed changes nothing', () => {
    const { t, gate } = clocks();
    step(t, 100);
    gate.caughtUp(t.wall);
    expect(gate.holding()).toBe(false);
    step(t, 30_000);
    expect(gate.holding()).toBe(true);
    gate.stop();
  });

  it('the handler answers SERVFAIL with the question while holding, and normally after', () => {
    let hold = true;
    const h = createHandler({ source: fakeSource(snapshot(demoRecords(5))), lookup: fakeLookup, maxUdpSize: 1232, cacheSize: 100, log: silentLogger(), holding: () => hold });
    const q = buildQuery('web-1.nginx.default.svc.cluster.local', 1, { id: 4242 });
    const held = decode(h(q, false)!);
    expect({ id: held.header.id, rcode: held.header.rcode, answers: held.answers.length, question: held.questions[0]?.name }).toEqual({ id: 4242, rcode: 2, answers: 0, question: 'web-1.nginx.default.svc.cluster.local' });
    hold = false;
    const ok = decode(h(q, false)!);
    expect({ rcode: ok.header.rcode, answers: ok.answers.length }).toEqual({ rcode: 0, answers: 1 });
  });
});
