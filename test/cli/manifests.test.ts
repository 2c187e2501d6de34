import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifests, ManifestError, manifestSource, parseManifestText } from '../../src/cli/manifests.ts';

const pod = (name: string, ns = 'default'): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n`;
const names = (objs: object[]): string[] => objs.map((o) => (o as { metadata: { name: string } }).metadata.name);

describe('parseManifestText', () => {
  it.each([
    { name: 'empty file', text: '', want: [] },
    { name: 'only comments and separators', text: '# nothing\n---\n---\n', want: [] },
    { name: 'one document', text: pod('a'), want: ['a'] },
    { name: 'multi-document', text: `${pod('a')}---\n${pod('b')}`, want: ['a', 'b'] },
    { name: 'List', text: 'apiVersion: v1\nkind: List\nitems:\n- ' + pod('a').replaceAll('\n', '\n  ') + '\n- ' + pod('b').replaceAll('\n', '\n  '), want: ['a', 'b'] },
    { name: 'PodList', text: JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [JSON.parse('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"}}')] }), want: ['j'] },
    { name: 'JSON', text: '{"apiVersion":"v1","kind":"Service","metadata":{"name":"svc"}}', want: ['svc'] },
  ])('$name', ({ text, want }) => {
    expect(names(parseManifestText(text, 'f.yaml'))).toEqual(want);
  });

  it.each([
    { name: 'invalid YAML', text: 'a: [1,\n', errContains: ['f.yaml, document 0', 'invalid YAML'] },
    { name: 'second document broken', text: `${pod('a')}---\nkey: : value\n`, errContains: ['document 1', 'invalid YAML'] },
    { name: 'no kind', text: 'apiVersion: v1\nmetadata: {name: x}\n', errContains: ['document 0', '(no kind) x', 'kind is missing'] },
    { name: 'no apiVersion', text: 'kind: Pod\nmetadata: {name: x, namespace: ns1}\n', errContains: ['Pod ns1/x', 'apiVersion is missing'] },
    { name: 'no name', text: `${pod('a')}---\napiVersion: v1\nkind: Service\nmetadata: {namespace: prod}\n`, errContains: ['document 1', 'Service prod/(no name)', 'metadata.name is missing'] },
    { name: 'no metadata', text: 'apiVersion: v1\nkind: Pod\n', errContains: ['metadata is missing'] },
    { name: 'a scalar', text: '42\n', errContains: ['expected an object, got number'] },
    { name: 'a list', text: '- 1\n- 2\n', errContains: ['expected an object, got a list'] },
    { name: 'bad List item', text: 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: ok}}\n- {apiVersion: v1, kind: Pod}\n', errContains: ['document 0, item 1', 'Pod (no name)', 'metadata is missing'] },
    { name: 'List items not a list', text: 'apiVersion: v1\nkind: List\nitems: 3\n', errContains: ['items must be a list'] },
    { name: 'namespace not a string', text: 'apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: 3}\n', errContains: ['metadata.namespace must be a string'] },
  ])('$name', ({ text, errContains }) => {
    let caught: unknown;
    try { parseManifestText(text, 'f.yaml'); } catch (err) { caught = err; }
    expect(caught).toBeInstanceOf(ManifestError);
    for (const s of errContains) expect((caught as Error).message).toContain(s);
  });
});

describe('loadManifests', () => {
  it('reads files and directories (sorted, yaml/yml/json only) and remembers each source', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ordinal-manifests-'));
    await mkdir(path.join(dir, 'd'));
    await writeFile(path.join(dir, 'd', 'b.yml'), pod('b'));
    await writeFile(path.join(dir, 'd', 'a.yaml'), `${pod('a1')}---\n${pod('a2')}`);
    await writeFile(path.join(dir, 'd', 'c.json'), '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"c"}}');
    await writeFile(path.join(dir, 'd', 'notes.txt'), 'not: a manifest');
    await writeFile(path.join(dir, 'd', 'empty.yaml'), '');
    await writeFile(path.join(dir, 'one.yaml'), pod('z'));
    const objs = await loadManifests([path.join(dir, 'one.yaml'), path.join(dir, 'd')]);
    expect(names(objs)).toEqual(['z', 'a1', 'a2', 'b', 'c']);
    expect(manifestSource(objs[2]!)).toBe(`${path.join(dir, 'd', 'a.yaml')}, document 1`);
  });
  it('names a missing path', async () => {
    await expect(loadManifests(['/nonexistent/x.yaml'])).rejects.toThrow('/nonexistent/x.yaml: no such file or directory');
  });
  it('the demo manifest loads', async () => {
    const objs = await loadManifests(['deploy/examples/dns-demo.yaml']);
    expect(objs.map((o) => (o as { kind: string }).kind)).toEqual(['Namespace', 'Service', 'Service', 'Service', 'Pod', 'Pod', 'Pod']);
  });
});

describe('JSON files', () => {
  it('parses .json with JSON.parse and reports errors', () => {
    expect(names(parseManifestText('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}', 'x.json'))).toEqual(['p']);
    expect(parseManifestText('  \n', 'x.json')).toEqual([]);
    expect(() => parseManifestText('{"apiVersion":', 'x.json')).toThrow(/x\.json, document 0: invalid JSON/);
  });
});
