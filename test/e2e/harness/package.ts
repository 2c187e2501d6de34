/**
 * @module The npm package as a user gets it: `npm pack` (whose prepack builds dist/), then
 * `npm install --global` of the tarball into a temporary prefix. The install is shared by the
 * e2e files of one tree state: it is cached under the OS temp dir, keyed by the commit and the
 * uncommitted changes, and made under a temporary name that is renamed into place when done.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './bins.ts';
import { run } from './util.ts';

export interface InstalledPackage {
  /** `ordinal` as installed on the PATH of the prefix. */
  bin: string;
  /** The installed package directory (holds dist/, deploy/, bin/ ...). */
  dir: string;
  version: string;
  /** What `ordinal version` must report: HEAD, with `-dirty` when tracked files differ. */
  commit: string;
  /** An environment whose PATH has the prefix's bin and then this test's Node (>= 22.19) first. */
  env: NodeJS.ProcessEnv;
}

async function git(...args: string[]): Promise<string> {
  const r = await run('git', args, { cwd: REPO_ROOT });
  if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function must(cmd: string, args: string[], what: string): Promise<void> {
  const r = await run(cmd, args, { cwd: REPO_ROOT, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
}

let memo: Promise<InstalledPackage> | undefined;

export function installedPackage(): Promise<InstalledPackage> {
  memo ??= install();
  return memo;
}

async function install(): Promise<InstalledPackage> {
  const head = (await git('rev-parse', 'HEAD')).trim();
  const dirty = (await git('status', '--porcelain', '--untracked-files=no')).trim() !== '';
  const state = head + (await git('diff', 'HEAD')) + (await git('status', '--porcelain'));
  const key = createHash('sha256').update(state).digest('hex').slice(0, 16);
  const root = join(tmpdir(), `ordinal-e2e-pkg-${key}`);
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  if (!existsSync(join(root, 'done'))) {
    const partial = `${root}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    await must('npm', ['pack', '--silent', '--pack-destination', partial], 'npm pack');
    const tgz = readdirSync(partial).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack left no tarball in ${partial}`);
    await must('npm', ['install', '--global', '--prefix', join(partial, 'prefix'), '--no-audit', '--no-fund', '--loglevel=error', join(partial, tgz)], 'npm install -g');
    mkdirSync(join(partial, 'done'));
    rmSync(root, { recursive: true, force: true });
    renameSync(partial, root);
  }
  const prefix = join(root, 'prefix');
  return {
    bin: join(prefix, 'bin', 'ordinal'),
    dir: join(prefix, 'lib', 'node_modules', 'ordinal'),
    version,
    commit: dirty ? `${head}-dirty` : head,
    env: { ...process.env, PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`, ORDINAL_FROM_SRC: '' },
  };
}
