import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { createIpPool } from '../../../src/local/sim/ip-pool.ts';

const pod = (uid: string, ip?: string, hostNetwork = false): V1Pod => ({
  metadata: { uid, name: uid },
  spec: { containers: [], hostNetwork },
  status: ip ? { podIP: ip, podIPs: [{ ip }] } : {},
});

describe('ip pool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sim-pool-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('never hands out an IP another live pod reports or was given', async () => {
    const pool = await createIpPool(silentLogger());
    const others = [pod('a', '10.244.0.2'), pod('h', '10.244.0.3', true)];
    const b = pool.assign(pod('b'), '10.244.0.0/24', [...others, pod('b')]);
    expect(b).toBe('10.244.0.3'); // a hostNetwork pod's IP is the node's, not the pool's
    const c = pool.assign(pod('c'), '10.244.0.0/24', [...others, pod('b'), pod('c')]);
    expect(c).toBe('10.244.0.4'); // b's assignment is held even before b reports it
  });

  it('keeps what a pod already reports when it is in the range', async () => {
    const pool = await createIpPool(silentLogger());
    expect(pool.assign(pod('a', '10.244.0.77'), '10.244.0.0/24', [pod('a', '10.244.0.77')])).toBe('10.244.0.77');
    expect(pool.assign(pod('z', '10.9.9.9'), '10.244.0.0/24', [pod('z', '10.9.9.9')])).toBe('10.244.0.2');
  });

  it('with a state file, the same pod UID gets the same IP after a restart', async () => {
    const path = join(dir, 'ips.json');
    const first = await createIpPool(silentLogger(), path);
    first.assign(pod('x'), '10.244.1.0/24', [pod('x')]);
    const y = first.assign(pod('y'), '10.244.1.0/24', [pod('x'), pod('y')]);
    await first.flush();
    const second = await createIpPool(silentLogger(), path);
    // A new pod first: it must not take y's remembered address while y is alive.
    const z = second.assign(pod('z'), '10.244.1.0/24', [pod('x'), pod('y'), pod('z')]);
    expect(second.assign(pod('y'), '10.244.1.0/24', [pod('x'), pod('y'), pod('z')])).toBe(y);
    expect(z).toBe('10.244.1.4'); // .2 and .3 are remembered for x and y
    // Its write of z's address must end before afterEach removes the directory (ENOTEMPTY).
    await second.flush();
  });

  it('released and unretained pods free their addresses', async () => {
    const path = join(dir, 'ips.json');
    const pool = await createIpPool(silentLogger(), path);
    const x = pool.assign(pod('x'), '10.244.1.0/24', [pod('x')]);
    pool.release('x');
    expect(pool.assign(pod('w'), '10.244.1.0/24', [pod('w')])).toBe(x);
    pool.retain(new Set());
    await pool.flush();
    const again = await createIpPool(silentLogger(), path);
    expect(again.assign(pod('w2'), '10.244.1.0/24', [pod('w2')])).toBe('10.244.1.2');
    await again.flush();
  });

  it('a corrupt state file is logged and ignored', async () => {
    const path = join(dir, 'ips.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, 'not json');
    const pool = await createIpPool(silentLogger(), path);
    expect(pool.assign(pod('a'), '10.244.1.0/24', [pod('a')])).toBe('10.244.1.2');
    await pool.flush();
  });
});
