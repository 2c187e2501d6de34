/**
 * @module What `ordinal version` prints: the package version and the git commit the code was
 * built from. A build (`npm run build`, so `npm pack` and the image) writes `dist/build-info.json`;
 * from a clone's sources the commit is read from git at the time of asking.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface VersionInfo {
  version: string;
  commit: string;
  /** 'dist' for compiled output, 'src' when running the TypeScript sources. */
  from: 'dist' | 'src';
}

const PACKAGE_JSON = new URL('../../package.json', import.meta.url);
// dist/cli/version.js -> dist/build-info.json; from src/cli it does not exist.
const BUILD_INFO = new URL('../build-info.json', import.meta.url);

/** The commit of the git checkout at `dir`, with `-dirty` when tracked files differ; `unknown` outside git. */
export function gitCommit(dir: string): string {
  try {
    const opts = { cwd: dir, encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'] };
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim() !== '';
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return 'unknown'; // no git, or not a checkout: the version alone still identifies a release
  }
}

export function versionInfo(): VersionInfo {
  const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string };
  if (existsSync(BUILD_INFO)) {
    const info = JSON.parse(readFileSync(BUILD_INFO, 'utf8')) as { commit?: string };
    return { version: pkg.version, commit: info.commit ?? 'unknown', from: 'dist' };
  }
  return { version: pkg.version, commit: gitCommit(fileURLToPath(new URL('../..', import.meta.url))), from: 'src' };
}

export function formatVersion(v: VersionInfo): string {
  return `ordinal ${v.version} (commit ${v.commit}, ${v.from === 'dist' ? 'built' : 'sources'}, node ${process.version})\n`;
}
