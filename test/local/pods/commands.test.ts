/**
 * Command images on the in-process stack: `tutum/dnsutils` running `dig SRV` once (restartPolicy
 * Never: the pod Succeeds and its log is dig's answer; test/e2e/pods.test.ts compares its layout
 * with the real dig),
 * a failing command (Failed with its exit code), and a command that keeps ending under
 * restartPolicy Always (CrashLoopBackOff, lastState, restartCount, the previous log).
 */
import { Resolver } from 'node:dns/promises';
import { rm } from 'node:fs/promises';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../sim/cluster.ts';
import { startPodsStack, type PodsStack } from './stack.ts';

const SRV = 'kubia.default.svc.cluster.local';

describe('command images', () => {
  let s: PodsStack;
  const pod = (name: string): Promise<V1Pod> => s.core.readNamespacedPod({ name, namespace: 'default' });
  async function run(name: string, image: string, args: string[], restartPolicy: string): Promise<void> {
    await s.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name }, spec: { restartPolicy, containers: [{ name, image, args }] } } });
  }
  const log = async (name: string, previous = false): Promise<string> => s.core.readNamespacedPodLog({ name, namespace: 'default', previous });

  beforeAll(async () => {
    s = await startPodsStack();
    await s.ready('kubia-1');
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
    if (s) await rm(s.dataDir, { recursive: true, force: true });
  });

  it('dig SRV once: the pod Succeeds and its log lists one SRV record per ready peer', async () => {
    const dns = new Resolver();
    dns.setServers([s.dnsAt]);
    await waitFor('both peers in DNS', async () => (await dns.resolveSrv(SRV).catch(() => [])).length === 2);
    await run('srvlookup', 'tutum/dnsutils', ['dig', 'SRV', SRV], 'Never');
    const p = await waitFor('srvlookup Succeeded', async () => { const x = await pod('srvlookup'); return x.status?.phase === 'Succeeded' && x; });
    expect(p.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    const out = await log('srvlookup');
    expect(out).toMatch(/^\n; <<>> DiG 9\.9\.5-3ubuntu0\.2-Ubuntu <<>> SRV kubia\.default\.svc\.cluster\.local\n;; global options: \+cmd\n;; Got answer:\n;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: \d+\n;; flags: qr aa rd; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 3\n/);
    expect(out.match(/\tSRV\t0 50 8080 kubia-[01]\.kubia\.default\.svc\.cluster\.local\.\n/g)).toHaveLength(2);
  });

  it.each([
    [['nslookup', 'kubia'], 0, /^Server:\t\t127\.0\.0\.1\nAddress:\t127\.0\.0\.1#\d+\n\nName:\tkubia\.default\.svc\.cluster\.local\nAddress: 10\.244\.\d+\.\d+\n/],
    [['host', 'kubia-0.kubia'], 0, /^kubia-0\.kubia\.default\.svc\.cluster\.local has address 10\.244\.\d+\.\d+\n$/],
    [['host', 'nope'], 1, /^Host nope not found: 3\(NXDOMAIN\)\n$/],
    [['nslookup', 'nope'], 1, /\*\* server can't find nope: NXDOMAIN\n/],
    [['dig', '+short', 'kubia-0.kubia.default.svc.cluster.local'], 0, /^10\.244\.\d+\.\d+\n$/],
  ])('%j exits %i', async (args, code, output) => {
    const name = `q-${args.join('-').replace(/[^a-z0-9]+/g, '-')}`.slice(0, 50).replace(/-$/, '');
    await run(name, 'busybox', args, 'Never');
    const p = await waitFor(`${name} done`, async () => { const x = await pod(name); return ['Succeeded', 'Failed'].includes(x.status?.phase ?? '') && x; });
    expect(p.status?.phase).toBe(code === 0 ? 'Succeeded' : 'Failed');
    expect(p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(code);
    expect(await log(name)).toMatch(output);
  });

  it('restartPolicy Always: a command that ends goes into CrashLoopBackOff and restarts after the back-off', async () => {
    await run('looper', 'busybox', ['sh', '-c', 'echo round'], 'Always');
    const waiting = await waitFor('CrashLoopBackOff', async () => {
      const x = await pod('looper');
      return x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff' && x;
    });
    const cs = waiting.status?.containerStatuses?.[0];
    expect(cs?.lastState?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(cs?.state?.waiting?.message).toMatch(/^back-off 10s restarting failed container=looper pod=looper_default\(/);
    expect(waiting.status?.phase).toBe('Running');
    const again = await waitFor('restartCount 1', async () => { const x = await pod('looper'); return (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && x; }, 20_000);
    expect(again.status?.containerStatuses?.[0]?.restartCount).toBe(1);
    expect(await log('looper', true)).toBe('round\n');
  }, 30_000);
});
