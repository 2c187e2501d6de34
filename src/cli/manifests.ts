/**
 * @module Load Kubernetes objects from files and directories: `.yaml`, `.yml`, `.json`,
 * multi-document YAML and `kind: List`. Errors name the file, the document index, the
 * object and what is wrong.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** Where each loaded object came from (`file, document N`), for later error messages. */
const sources = new WeakMap<object, string>();

export function manifestSource(obj: object): string | undefined {
  return sources.get(obj);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `Kind ns/name` or as much of it as the object has. */
export function describeObject(v: unknown): string {
  if (!isObj(v)) return 'object';
  const meta = isObj(v.metadata) ? v.metadata : {};
  const kind = typeof v.kind === 'string' ? v.kind : '(no kind)';
  const name = typeof meta.name === 'string' ? meta.name : '(no name)';
  return typeof meta.namespace === 'string' ? `${kind} ${meta.namespace}/${name}` : `${kind} ${name}`;
}

/** What is wrong with an object's envelope, or null. */
function envelopeProblem(v: unknown): string | null {
  if (!isObj(v)) return `expected an object, got ${Array.isArray(v) ? 'a list' : typeof v}`;
  if (typeof v.apiVersion !== 'string' || v.apiVersion === '') return 'apiVersion is missing';
  if (typeof v.kind !== 'string' || v.kind === '') return 'kind is missing';
  if (!isObj(v.metadata)) return 'metadata is missing';
  if (typeof v.metadata.name !== 'string' || v.metadata.name === '') return 'metadata.name is missing';
  if (v.metadata.namespace !== undefined && typeof v.metadata.namespace !== 'string') return 'metadata.namespace must be a string';
  return null;
}

/** Objects of one parsed document; a List is flattened (its items need no apiVersion of their own beyond kind). */
function objectsOf(doc: unknown, where: string): object[] {
  if (isObj(doc) && typeof doc.kind === 'string' && doc.kind.endsWith('List') && 'items' in doc) {
    if (!Array.isArray(doc.items)) throw new ManifestError(`${where}: ${doc.kind}: items must be a list`);
    return doc.items.flatMap((item, i) => objectsOf(item, `${where}, item ${i}`));
  }
  const problem = envelopeProblem(doc);
  if (problem) throw new ManifestError(`${where}: ${describeObject(doc)}: ${problem}`);
  sources.set(doc as object, where);
  return [doc as object];
}

/** Parse one file's text; documents are numbered from 0 as in `kubectl`'s errors. */
export function parseManifestText(text: string, file: string): object[] {
  // JSON is YAML too, but JSON.parse is ~50x faster on large generated files.
  if (path.extname(file).toLowerCase() === '.json' && text.trim() !== '') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new ManifestError(`${file}, document 0: invalid JSON: ${(err as Error).message}`);
    }
    return objectsOf(value, `${file}, document 0`);
  }
  const out: object[] = [];
  const docs = parseAllDocuments(text, { prettyErrors: false });
  if (!Array.isArray(docs)) return out; // an empty stream
  docs.forEach((doc, i) => {
    const where = `${file}, document ${i}`;
    const err = doc.errors[0];
    if (err) throw new ManifestError(`${where}: invalid YAML: ${err.message.split('\n')[0]}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // empty document
    out.push(...objectsOf(value, where));
  });
  return out;
}

async function filesIn(p: string): Promise<string[]> {
  let st;
  try {
    st = await stat(p);
  } catch (err) {
    throw new ManifestError(`${p}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  if (!st.isDirectory()) return [p];
  const names = (await readdir(p)).filter((n) => EXTENSIONS.has(path.extname(n).toLowerCase())).sort();
  return names.map((n) => path.join(p, n));
}

/** Load every object from the given files and directories (directories: not recursive, sorted). */
export async function loadManifests(paths: string[]): Promise<object[]> {
  const out: object[] = [];
  for (const p of paths) {
    for (const file of await filesIn(p)) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new ManifestError(`${file}: ${(err as Error).message}`);
      }
      out.push(...parseManifestText(text, file));
    }
  }
  return out;
}
