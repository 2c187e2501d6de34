/**
 * Probes run for real against the simulated containers and decide Ready, as the kubelet's
 * prober does: httpGet, tcpSocket and exec; initial delay, period and thresholds; a startup
 * probe gating the others; a failing liveness probe restarting the container with back-off.
 */
import { rm } from 'node:fs/promises';
import type { V1Pod, V1Probe } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAttempt } from '../../../src/local/sim/runtime/probes.ts';
import { sleep, waitFor } from '../sim/cluster.ts';
import { startPodsStack, type PodsStack } from './stack.ts';

describe('probe counting', () => {
  const probe: V1Probe = { successThreshold: 2, failureThreshold: 3 };
  it.each([
    [[true], undefined],
    [[true, true], true],
    [[true, true, false, false], true],
    [[true, true, false, false, false], false],
    [[false, false, false, true], false],
    [[false, false, false, true, true], true],
  ])('%j -> %s', (attempts, want) => {
    let s = { result: undefined as boolean | undefined, successes: 0, failures: 0 };
    for (const ok of attempts) s = countAttempt(s, ok, probe);
    expect(s.result).toBe(want);
  });
});

describe('probes on the local stack', () => {
  let s: PodsStack;
  const pod = (name: string): Promise<V1Pod> => s.core.readNamespacedPod({ name, namespace: 'default' });
  const isReady = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  async function create(name: string, probes: Record<string, V1Probe>, image = 'luksa/kubia-pet'): Promise<void> {
    await s.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name }, spec: { containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }], ...probes }] } } });
  }
  beforeAll(async () => {
    s = await startPodsStack({ manifests: [] });
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
    if (s) await rm(s.dataDir, { recursive: true, force: true });
  });

  it('an httpGet readiness probe on a named port makes the pod Ready', async () => {
    await create('http-ok', { readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 } });
    await waitFor('http-ok Ready', async () => isReady(await pod('http-ok')));
  });

  it('a readiness probe at a port nothing listens on keeps the pod Running but not Ready', async () => {
    await create('tcp-bad', { readinessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1, failureThreshold: 1 } });
    await waitFor('tcp-bad Running', async () => (await pod('tcp-bad')).status?.phase === 'Running');
    await sleep(2500);
    const p = await pod('tcp-bad');
    expect(isReady(p)).toBe(false);
    expect(p.status?.containerStatuses?.[0]).toMatchObject({ ready: false, started: true, state: { running: {} } });
  });

  it('an exec readiness probe turns Ready once the file it checks exists', async () => {
    await create('exec-file', { readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 } });
    await waitFor('exec-file Running', async () => (await pod('exec-file')).status?.phase === 'Running');
    await sleep(1500);
    expect(isReady(await pod('exec-file'))).toBe(false);
    const p = await pod('exec-file');
    await s.runtime.exec(p.metadata?.uid ?? '', 'app', ['sh', '-c', 'echo yes > /tmp/ready'], { stdin: undefined, stdout: () => undefined, stderr: () => undefined, signal: new AbortController().signal });
    await waitFor('exec-file Ready', async () => isReady(await pod('exec-file')), 5000);
  });

  it('a failing startup probe keeps readiness from running', async () => {
    await create('slow-start', { startupProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1, failureThreshold: 100 }, readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 } });
    await waitFor('slow-start Running', async () => (await pod('slow-start')).status?.phase === 'Running');
    await sleep(2500);
    const p = await pod('slow-start');
    expect(isReady(p)).toBe(false);
  });

  it('a failing liveness probe restarts the container: CrashLoopBackOff, lastState, restartCount', async () => {
    await create('dead', { livenessProbe: { tcpSocket: { port: 9999 }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2 } });
    const waiting = await waitFor('dead in CrashLoopBackOff', async () => {
      const p = await pod('dead');
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff' && p;
    }, 10_000);
    expect(waiting.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 143, reason: 'Error' });
    await waitFor('dead restarted once', async () => (await pod('dead')).status?.containerStatuses?.[0]?.restartCount === 1, 20_000);
  }, 40_000);
});
