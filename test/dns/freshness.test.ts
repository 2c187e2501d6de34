// A DNS thread back from a freeze holds its answers (SERVFAIL) until the watching thread's
// catch-up arrives or a short cap passes (src/dns/freshness.ts).
import { describe, expect, it } from 'vitest';
import { freshnessGate } from '../../src/dns/freshness.ts';
import { createHandler } from '../../src/dns/handler.ts';
import { silentLogger } from '../../src/log.ts';
import { buildQuery, decode } from '../helpers/dns-client.ts';
import { demoRecords, fakeLookup, fakeSource, snapshot } from './fake-zone.ts';

function clocks(): { t: { mono: number; wall: number }; gate: ReturnType<typeof freshnessGate> } {
  const t = { mono: 0, wall: 1_000_000 };
  const gate = freshnessGate({ now: () => t.mono, wall: () => t.wall, thresholdMs: 3000, maxHoldMs: 1500, tickMs: 60_000 });
  return { t, gate };
}
const step = (t: { mono: number; wall: number }, ms: number): void => { t.mono += ms; t.wall += ms; };

describe('freshness gate', () => {
  it('holds after a freeze until a delta sent after it arrives', () => {
    const { t, gate } = clocks();
    step(t, 100);
    expect(gate.holding()).toBe(false);
    step(t, 30_000); // frozen
    expect(gate.holding()).toBe(true);
    gate.caughtUp(t.wall - 30_000); // sent before the freeze, read after it: not the catch-up
    expect(gate.holding()).toBe(true);
    step(t, 50);
    gate.caughtUp(t.wall);
    expect(gate.holding()).toBe(false);
    gate.stop();
  });

  it('stops holding after the cap when nothing arrives (nothing changed, or the API is down)', () => {
    const { t, gate } = clocks();
    step(t, 10_000);
    expect(gate.holding()).toBe(true);
    step(t, 1400);
    expect(gate.holding()).toBe(true);
    step(t, 200);
    expect(gate.holding()).toBe(false);
    gate.stop();
  });

  it('a long apply of its own is not a freeze', () => {
    const { t, gate } = clocks();
    step(t, 5000); // the seed of a big zone, applied synchronously
    gate.caughtUp(t.wall);
    expect(gate.holding()).toBe(false);
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
