/** Pure parts of the simulated container runtime: image names, container paths, logs, DNS search, host dirs. */
import { describe, expect, it } from 'vitest';
import { imageRepository } from '../../../src/local/sim/runtime/images.ts';
import { resolvePath } from '../../../src/local/sim/runtime/fs.ts';
import { LogBuffer, rfc3339Nano, selectEntries, splitLines } from '../../../src/local/sim/runtime/logs.ts';
import { candidates, searchPath } from '../../../src/local/sim/runtime/resolver.ts';
import { tokenize } from '../../../src/local/sim/runtime/shell.ts';
import { hostPathDir, volumeDir } from '../../../src/local/sim/volumes.ts';

describe('imageRepository', () => {
  it.each([
    ['luksa/kubia-pet', 'luksa/kubia-pet'],
    ['luksa/kubia-pet:latest', 'luksa/kubia-pet'],
    ['docker.io/luksa/kubia-pet-peers:v1', 'luksa/kubia-pet-peers'],
    ['luksa/kubia@sha256:0123', 'luksa/kubia'],
    ['busybox', 'busybox'],
    ['docker.io/library/busybox:1.36', 'busybox'],
    ['localhost:5000/tutum/dnsutils', 'tutum/dnsutils'],
    ['registry.k8s.io/pause:3.9', 'pause'],
    ['nginx:1.27', 'nginx'],
  ])('%s is %s', (image, repo) => expect(imageRepository(image)).toBe(repo));
});

describe('resolvePath', () => {
  const fs = { rootDir: '/d/pods/u/containers/c', mounts: [
    { mountPath: '/var/data', hostDir: '/d/hostpath/tmp/pv-a', readOnly: false },
    { mountPath: '/var/data/ro', hostDir: '/d/x', readOnly: true },
  ] };
  it.each([
    ['/var/data/kubia.txt', '/d/hostpath/tmp/pv-a/kubia.txt', false],
    ['/var/data', '/d/hostpath/tmp/pv-a', false],
    ['/var/data/ro/f', '/d/x/f', true],
    ['/var/database', '/d/pods/u/containers/c/var/database', false],
    ['/var/data/../../etc/passwd', '/d/pods/u/containers/c/etc/passwd', false],
    ['kubia.txt', '/d/pods/u/containers/c/kubia.txt', false],
    ['../../..', '/d/pods/u/containers/c', false],
  ])('%s -> %s', (path, host, ro) => expect(resolvePath(fs, path)).toEqual({ hostPath: host, readOnly: ro }));
  it('relative to a working directory', () => expect(resolvePath(fs, 'kubia.txt', '/var/data').hostPath).toBe('/d/hostpath/tmp/pv-a/kubia.txt'));
});

describe('container logs', () => {
  it('splits writes into lines and keeps a trailing fragment', () => {
    expect(splitLines(Buffer.from('a\nb\nc'), 1, 'stdout').map((e) => e.data.toString())).toEqual(['a\n', 'b\n', 'c']);
    expect(splitLines(Buffer.from(''), 1, 'stdout')).toEqual([]);
  });
  it.each([
    [{}, ['1\n', '2\n', '3\n']],
    [{ tailLines: 2 }, ['2\n', '3\n']],
    [{ tailLines: 0 }, []],
    [{ tailLines: 10 }, ['1\n', '2\n', '3\n']],
    [{ sinceMs: 2000 }, ['2\n', '3\n']],
    [{ sinceMs: 2000, tailLines: 1 }, ['3\n']],
  ])('select %j', (q, want) => {
    const entries = [1000, 2000, 3000].flatMap((t, i) => splitLines(Buffer.from(`${i + 1}\n`), t, 'stdout'));
    expect(selectEntries(entries, q).map((e) => e.data.toString())).toEqual(want);
  });
  it('timestamps are RFC 3339 with nanoseconds', () => expect(rfc3339Nano(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000000Z'));
  it('drops the oldest lines past its size and tells followers about the end', () => {
    const b = new LogBuffer(10);
    const seen: (string | undefined)[] = [];
    b.follow((e) => seen.push(e?.data.toString()));
    b.write('stdout', 'aaaa\nbbbb\ncccc\n');
    expect(b.read({}).map((e) => e.data.toString())).toEqual(['bbbb\n', 'cccc\n']);
    b.end();
    b.write('stdout', 'late\n');
    expect(seen).toEqual(['aaaa\n', 'bbbb\n', 'cccc\n', undefined]);
    expect(b.read({})).toHaveLength(2);
  });
});

describe('pod DNS search path', () => {
  const search = searchPath('default', 'cluster.local');
  it('is the kubelet\'s ClusterFirst list', () => expect(search).toEqual(['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local']));
  it.each([
    ['kubia', ['kubia.default.svc.cluster.local', 'kubia.svc.cluster.local', 'kubia.cluster.local', 'kubia']],
    ['kubia-0.kubia.default.svc.cluster.local', ['kubia-0.kubia.default.svc.cluster.local', 'kubia-0.kubia.default.svc.cluster.local.default.svc.cluster.local', 'kubia-0.kubia.default.svc.cluster.local.svc.cluster.local', 'kubia-0.kubia.default.svc.cluster.local.cluster.local']],
    ['kubia.default.svc.cluster.local.', ['kubia.default.svc.cluster.local']],
  ])('%s', (name, want) => expect(candidates(name, search)).toEqual(want));
});

describe('volume directories under the data dir', () => {
  it.each([
    ['/tmp/pv-a', '/data/hostpath/tmp/pv-a'],
    ['/data/pvc-1', '/data/pvc-1'],
    ['/data/../etc', '/data/hostpath/etc'],
    ['relative/x', '/data/hostpath/relative/x'],
    ['/database', '/data/hostpath/database'],
  ])('hostPath %s is %s', (path, dir) => expect(hostPathDir(path, '/data/')).toBe(dir));
  it('a volume without a path gets one by name', () => expect(volumeDir({ metadata: { name: 'pv-x' }, spec: { gcePersistentDisk: { pdName: 'x' } } }, '/data')).toBe('/data/volumes/pv-x'));
});

describe('sh -c tokenizer', () => {
  const vars = { HOME: '/root', X: 'a b' };
  it.each([
    ['echo hi', [{ word: 'echo' }, { word: 'hi' }]],
    ["echo 'a  b' \"$X\" $HOME ${HOME}x", [{ word: 'echo' }, { word: 'a  b' }, { word: 'a b' }, { word: '/root' }, { word: '/rootx' }]],
    ['a&&b||c;d', [{ word: 'a' }, { op: '&&' }, { word: 'b' }, { op: '||' }, { word: 'c' }, { op: ';' }, { word: 'd' }]],
    ['echo x >> f > g', [{ word: 'echo' }, { word: 'x' }, { op: '>>' }, { word: 'f' }, { op: '>' }, { word: 'g' }]],
    ['echo a\\ b "q\\"uote" \'$X\'', [{ word: 'echo' }, { word: 'a b' }, { word: 'q"uote' }, { word: '$X' }]],
    ['echo ""', [{ word: 'echo' }, { word: '' }]],
  ])('%s', (script, tokens) => expect(tokenize(script, vars)).toEqual(tokens));
  it.each(["echo 'open", 'echo "open', 'a | b'])('%s is a syntax error', (script) => expect(() => tokenize(script, vars)).toThrow(/Syntax error/));
});
