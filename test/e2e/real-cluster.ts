/**
 * @module The transcript's cluster on a real control plane: kube-apiserver, etcd and
 * kube-controller-manager (EndpointSlice, garbage-collector and namespace controllers),
 * ordinal's simulated nodes, node-lifecycle controller and PV binder in this process, and
 * `ordinal serve --controller --endpoints-from endpointslices` as a user would run it. It has
 * the same face as `startLocalCluster`, and applies deploy/examples/kubia.yaml as
 * `ordinal local` does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pooled } from '../../src/kube/pooled.ts';
import { startNodeLifecycle, startPvBinder, startSimNodes, type Stoppable } from '../../src/local/sim/index.ts';
import { silentLogger } from '../../src/log.ts';
import { REPO_ROOT } from './harness/bins.ts';
import { dig } from './harness/dig.ts';
import { startControlPlane } from './harness/plane.ts';
import { startOrdinalServe } from './real/ordinal.ts';
import type { LocalCluster } from './local-cluster.ts';

export interface RealClusterOptions {
  readyDelayMs: number;
  nodeGracePeriodMs: number;
}

export async function startRealCluster(o: RealClusterOptions): Promise<LocalCluster> {
  const plane = await startControlPlane();
  const stops: Stoppable[] = [];
  const simKc = pooled(plane.kubeConfig());
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s.stop().catch(() => undefined);
    await simKc.release();
    await plane.stop();
  };
  try {
    const log = silentLogger();
    const heartbeatMs = Math.max(100, Math.floor(o.nodeGracePeriodMs / 4));
    stops.push(await startSimNodes(simKc, { nodes: ['node-0', 'node-1', 'node-2'], readyDelayMs: o.readyDelayMs, heartbeatMs, log }));
    stops.push(await startNodeLifecycle(simKc, { gracePeriodMs: o.nodeGracePeriodMs, log }));
    stops.push(await startPvBinder(simKc, { log }));
    const ordinal = await startOrdinalServe(plane.kubeconfigPath, ['--controller']);
    stops.push(ordinal);
    const k = async (...args: string[]): Promise<string> => {
      const r = await plane.kubectl(args, { timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    };
    await plane.kubectl(['apply', '-f', '-'], { input: readFileSync(join(REPO_ROOT, 'deploy/examples/kubia.yaml'), 'utf8') })
      .then((r) => { if (r.code !== 0) throw new Error(`kubectl apply kubia.yaml failed: ${r.stderr}`); });
    return {
      kubeconfig: plane.kubeconfigPath,
      dnsPort: ordinal.port,
      dataDir: plane.dir,
      output: () => ordinal.output(),
      kubectl: (...args) => plane.kubectl(args, { timeoutMs: 60_000 }),
      k,
      json: async (...args) => JSON.parse(await k(...args, '-o', 'json')),
      dig: (name, type = 'A', tcp = false) => dig(ordinal.port, name, type, { tcp }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
