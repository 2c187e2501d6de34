import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { startSimNodes } from '../../../src/local/sim/index.ts';
import { validateNodeNames } from '../../../src/local/sim/kubelet.ts';

describe('startSimNodes options', () => {
  it.each([
    [[], /at least one node/],
    [['Node-0'], /invalid node name "Node-0"/],
    [['node_0'], /invalid node name/],
    [['-a'], /invalid node name/],
    [['a', 'a'], /listed twice/],
  ])('%j is rejected', (nodes, err) => {
    expect(() => validateNodeNames(nodes)).toThrow(err);
  });

  it.each([[['node-0', 'node-1', 'worker.example']]])('%j is fine', (nodes) => {
    expect(() => validateNodeNames(nodes)).not.toThrow();
  });

  // Nothing is contacted: the server address is unroutable, so a rejection must come first.
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://192.0.2.1:1' }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });

  it.each([
    [{ nodes: ['a'], podCIDR: '10.244.0.0/33' }, /invalid CIDR/],
    [{ nodes: ['a', 'b'], podCIDR: '10.0.0.0/24' }, /does not fit/],
    [{ nodes: [] }, /at least one node/],
  ])('start rejects %j before any I/O', async (o, err) => {
    await expect(startSimNodes(kc, { ...o, log: silentLogger() })).rejects.toThrow(err);
  });
});
