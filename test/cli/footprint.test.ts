// `ordinal serve` must not load the embedded cluster's modules nor client-node's typed APIs
// (bench/RESULTS.md, "Footprint (issue #13)"): the module graph of each entry, loaded in a
// clean child process through bin/slim-client-node.js as bin/ordinal.js loads it, and a real
// `serve --kubeconfig` that follows a (fake) API through the trimmed KubeConfig.
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQuery, decode, udpExchange } from '../helpers/dns-client.ts';
import { FakeApi } from '../kube/fake-api.ts';
import { pod } from '../kube/helpers.ts';
import { startServe } from '../helpers/serve-process.ts';

const HOOK = pathToFileURL(path.resolve('bin/slim-client-node.js')).href;

/** Every module URL that loading `entry` (from src/cli) loads, in a fresh Node process. */
function modulesOf(entry: string, typedClients: boolean): string[] {
  const script = `
    import module from 'node:module';
    const urls = [];
    module.registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
    const { slimClientNode } = await import(${JSON.stringify(HOOK)});
    if (!slimClientNode({ typedClients: ${typedClients} })) throw new Error('module.registerHooks is missing');
    await import(${JSON.stringify(pathToFileURL(path.resolve('src/cli', entry)).href)});
    process.stdout.write(JSON.stringify(urls));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as string[];
}

/** What a watcher has no use for; each pattern names a group of modules. */
const HEAVY: ReadonlyArray<[string, RegExp]> = [
  ['the embedded cluster', /\/src\/local\//],
  ['protobufjs', /\/node_modules\/protobufjs\//],
  ['node-forge', /\/node_modules\/node-forge\//],
  ['client-node typed models', /\/client-node\/dist\/gen\/models\//],
  ['client-node typed APIs', /\/client-node\/dist\/gen\/(apis|types)\//],
  ['undici', /\/node_modules\/undici\//],
];

const loaded = (urls: string[]): string[] => HEAVY.filter(([, re]) => urls.some((u) => re.test(u))).map(([name]) => name);

describe('footprint: what each CLI entry loads', () => {
  it.each([
    // The serve entry, as bin/ordinal.js loads it for every command but `local`: none of them.
    { entry: 'main-serve.ts', typedClients: false, want: [] },
    // `local` needs them all; this row shows that the check sees them when they are there.
    { entry: 'main.ts', typedClients: true, want: HEAVY.map(([name]) => name) },
  ])('$entry (typed clients $typedClients) loads $want', ({ entry, typedClients, want }) => {
    const urls = modulesOf(entry, typedClients);
    expect(urls.some((u) => u.includes('@kubernetes/client-node/dist/config.js'))).toBe(true);
    expect(loaded(urls)).toEqual(want);
  }, 60_000);
});

describe('footprint: serve --kubeconfig through the trimmed client-node', () => {
  const api = new FakeApi();
  let kubeconfig = '';

  beforeAll(async () => {
    await api.start();
    api.put('/api/v1/namespaces', { kind: 'Namespace', metadata: { name: 'default' } });
    api.put('/api/v1/services', {
      kind: 'Service', metadata: { name: 'web', namespace: 'default' },
      spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] },
    });
    api.put('/api/v1/pods', pod('web-0', 'default', { app: 'web' }, true, '10.1.0.7'));
    const dir = await mkdtemp(path.join(tmpdir(), 'ordinal-footprint-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, api.kubeConfig().exportConfig());
  });
  afterAll(() => api.stop());

  it('syncs, answers from the cluster and stops with 0', async () => {
    const { proc, port, exited, stderr } = await startServe(kubeconfig);
    try {
      const a = decode(await udpExchange(port, buildQuery('web-0.web.default.svc.cluster.local', 1)));
      expect(a.answers.map((r) => r.address)).toEqual(['10.1.0.7']);
    } finally {
      proc.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr()).not.toContain('typed API clients');
  }, 60_000);
});
