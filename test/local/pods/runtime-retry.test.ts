/**
 * A pod whose containers cannot start (their directory cannot be made: a full data dir, say)
 * leaves no sandbox behind, so the kubelet's next sync starts it again: found by the soak
 * (bench/soak, seed 14), where pods stayed unready for good after the disk-full fault.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { createPodNetwork } from '../../../src/local/sim/runtime/network.ts';
import { createRuntime, type PodSpec } from '../../../src/local/sim/runtime/runtime.ts';

describe('a container start that fails', () => {
  const rootDir = mkdtempSync(join(tmpdir(), 'ordinal-runtime-'));
  const runtime = createRuntime({ rootDir, network: createPodNetwork(), dnsServer: () => undefined, zone: 'cluster.local', log: silentLogger() });
  afterAll(async () => {
    await runtime.stopAll();
    rmSync(rootDir, { recursive: true, force: true });
  });

  const spec: PodSpec = {
    uid: 'u-1', name: 'web', namespace: 'default', hostname: 'web', ip: '10.244.0.9',
    containers: [
      { name: 'app', image: 'luksa/kubia', mounts: [] },
      { name: 'side', image: 'nginx', mounts: [] },
    ],
  };

  it('is retried from scratch: the failed attempt keeps no sandbox, the next one runs', async () => {
    // A file where the pod's directory goes: mkdir under it fails with ENOTDIR.
    mkdirSync(dirname(runtime.podDir('u-1')), { recursive: true });
    writeFileSync(runtime.podDir('u-1'), 'in the way');
    await expect(runtime.ensurePod(spec)).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(runtime.sandbox('u-1')).toBeUndefined();
    expect(runtime.network.size()).toBe(0);
    rmSync(runtime.podDir('u-1'));
    const sb = await runtime.ensurePod(spec);
    expect([...sb.containers.values()].map((c) => c.state.kind)).toEqual(['running', 'running']);
    expect(runtime.network.size()).toBe(1);
    await runtime.killPod('u-1', true);
    expect(runtime.sandbox('u-1')).toBeUndefined();
  });
});
