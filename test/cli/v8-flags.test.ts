// The V8 flags bin/ordinal.js re-executes itself with (same pid, so /proc/<pid>/cmdline shows
// them): 2 MB semi-spaces for every command, and for `serve` V8's memory reducer off (`local`'s
// too: test/cli/local-restart.test.ts), so a heap does not shrink at each lull and climb back for
// tens of minutes (bin/ordinal.js). A flag the user gave Node is theirs: it is kept, and ours is
// not added.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeApi } from '../kube/fake-api.ts';
import { fakeApiWithKubeconfig, startServe } from '../helpers/serve-process.ts';

const cases: Array<{ name: string; nodeArgs: string[]; want: string[]; not: string[] }> = [
  { name: 'by default', nodeArgs: [], want: ['--max-semi-space-size=2', '--no-memory-reducer'], not: ['--heap-growing-percent=20'] },
  { name: 'with the user\'s --memory-reducer', nodeArgs: ['--memory-reducer'], want: ['--max-semi-space-size=2', '--memory-reducer'], not: ['--no-memory-reducer'] },
  { name: 'with the user\'s --no-memory-reducer', nodeArgs: ['--no-memory-reducer'], want: ['--no-memory-reducer'], not: [] },
  { name: 'with the user\'s --no_memory_reducer', nodeArgs: ['--no_memory_reducer'], want: ['--no_memory_reducer'], not: ['--no-memory-reducer'] },
];

describe('ordinal serve runs with its V8 flags', () => {
  let api: FakeApi;
  let kubeconfig = '';
  beforeAll(async () => ({ api, kubeconfig } = await fakeApiWithKubeconfig()));
  afterAll(() => api.stop());

  it.each(cases)('$name', async ({ nodeArgs, want, not }) => {
    const serve = await startServe(kubeconfig, [], {}, nodeArgs);
    try {
      const argv = readFileSync(`/proc/${serve.proc.pid}/cmdline`, 'utf8').split('\0');
      // Node's options come before the script; what follows it is ordinal's own command line.
      const node = argv.slice(0, argv.findIndex((a) => a.endsWith('ordinal.js')));
      expect(node).toEqual(expect.arrayContaining(want));
      for (const flag of not) expect(node).not.toContain(flag);
      // Each flag once: the re-executed process does not stack ours on the user's.
      expect(node.filter((a) => /memory[-_]reducer/.test(a)).length).toBe(1);
    } finally {
      serve.proc.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
  }, 60_000);

  // glibc's malloc arenas: `local` runs with two (bin/ordinal.js; test/cli/local-restart.test.ts),
  // `serve` with glibc's own number, since two cost its saturated UDP path CPU per query.
  it('keeps glibc\'s malloc arenas (sets no MALLOC_ARENA_MAX)', async () => {
    const serve = await startServe(kubeconfig, [], { MALLOC_ARENA_MAX: undefined });
    try {
      const environ = readFileSync(`/proc/${serve.proc.pid}/environ`, 'utf8').split('\0');
      expect(environ.filter((kv) => kv.startsWith('MALLOC_ARENA_MAX='))).toEqual([]);
    } finally {
      serve.proc.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
  }, 60_000);
});
