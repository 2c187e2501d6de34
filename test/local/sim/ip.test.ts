import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allocateIp, cidrContains, nodePodCidr, parseCidr } from '../../../src/local/sim/ip.ts';
import { loadIpState, parseIpState, saveIpState } from '../../../src/local/sim/ip-state.ts';

describe('nodePodCidr', () => {
  it.each([
    ['10.244.0.0/16', 0, '10.244.0.0/24'],
    ['10.244.0.0/16', 2, '10.244.2.0/24'],
    ['10.244.7.9/16', 1, '10.244.1.0/24'],
    ['10.0.0.0/24', 0, '10.0.0.0/24'],
  ])('%s node %i → %s', (cluster, i, want) => {
    expect(nodePodCidr(cluster, i)).toBe(want);
  });

  it.each([
    ['10.244.0.0/16', 256],
    ['10.0.0.0/24', 1],
    ['10.0.0.0/33', 0],
    ['10.0.0/16', 0],
    ['bad', 0],
  ])('%s node %i is an error', (cluster, i) => {
    expect(() => nodePodCidr(cluster, i)).toThrow(/CIDR|IPv4|fit/);
  });
});

describe('allocateIp', () => {
  it.each([
    { name: 'first host after the gateway', used: [], preferred: undefined, want: '10.244.1.2' },
    { name: 'skips used', used: ['10.244.1.2', '10.244.1.3'], preferred: undefined, want: '10.244.1.4' },
    { name: 'preferred when free', used: [], preferred: '10.244.1.77', want: '10.244.1.77' },
    { name: 'preferred held by another pod', used: ['10.244.1.77'], preferred: '10.244.1.77', want: '10.244.1.2' },
    { name: 'preferred outside the range', used: [], preferred: '10.244.2.5', want: '10.244.1.2' },
    { name: 'preferred is the broadcast', used: [], preferred: '10.244.1.255', want: '10.244.1.2' },
  ])('$name', ({ used, preferred, want }) => {
    expect(allocateIp('10.244.1.0/24', new Set(used), preferred)).toBe(want);
  });

  it('returns undefined when the range is exhausted', () => {
    const used = new Set(['10.0.0.2']);
    expect(allocateIp('10.0.0.0/30', used)).toBeUndefined();
  });

  it('containment', () => {
    const c = parseCidr('10.244.1.0/24');
    expect(cidrContains(c, '10.244.1.9')).toBe(true);
    expect(cidrContains(c, '10.244.2.9')).toBe(false);
    expect(cidrContains(c, 'nope')).toBe(false);
  });
});

describe('ip state file', () => {
  it('round-trips and treats a missing file as empty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-ip-'));
    try {
      const path = join(dir, 'sub', 'ips.json');
      expect((await loadIpState(path)).size).toBe(0);
      await saveIpState(path, new Map([['uid-b', '10.244.0.3'], ['uid-a', '10.244.0.2']]));
      expect([...(await loadIpState(path))]).toEqual([['uid-a', '10.244.0.2'], ['uid-b', '10.244.0.3']]);
      expect(await readFile(path, 'utf8')).toContain('"version": 1');
      await writeFile(path, '{"version":2}');
      await expect(loadIpState(path)).rejects.toThrow(/ip state/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each(['[]', '{"version":1}', '{"version":1,"ips":3}'])('rejects %s', (text) => {
    expect(() => parseIpState(text)).toThrow(/ip state/);
  });
});
