// The release number lives in package.json; `npm version` carries it into deploy/ and the
// CHANGELOG (scripts/sync-version.mjs), so the package, `ordinal version`, the image tag and the
// manifests agree. Checked on the tree as it is, and by running `npm version` on a copy.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const FILES = ['package.json', 'deploy/kustomization.yaml', 'deploy/deployment.yaml', 'CHANGELOG.md', 'scripts/sync-version.mjs'];

function versions(dir: string): Record<string, string | undefined> {
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return {
    package: (JSON.parse(read('package.json')) as { version: string }).version,
    kustomization: /^\s*newTag:\s*(\S+)/m.exec(read('deploy/kustomization.yaml'))?.[1],
    deployment: /image:\s*ghcr\.io\/ordinal\/ordinal:(\S+)/.exec(read('deploy/deployment.yaml'))?.[1],
    changelog: /^## \[(\d[^\]]*)\]/m.exec(read('CHANGELOG.md'))?.[1],
  };
}

describe('release version', () => {
  it('package.json, the kustomization, the deployment and the newest CHANGELOG entry agree', () => {
    const v = versions('.');
    expect(v).toEqual({ package: v.package, kustomization: v.package, deployment: v.package, changelog: v.package });
  });

  it('npm version 0.2.0 moves them all and commits them together', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordinal-version-'));
    for (const f of FILES) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      cpSync(f, join(dir, f));
    }
    const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'base');
    // npm runs the `version` script with the committer identity from the environment.
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
    execFileSync('npm', ['version', '0.2.0', '--ignore-scripts=false'], { cwd: dir, env, stdio: 'pipe' });
    expect(versions(dir)).toEqual({ package: '0.2.0', kustomization: '0.2.0', deployment: '0.2.0', changelog: '0.2.0' });
    expect(git('show', '--name-only', '--format=%s', 'HEAD').trim().split('\n').sort()).toEqual(
      ['0.2.0', '', 'CHANGELOG.md', 'deploy/deployment.yaml', 'deploy/kustomization.yaml', 'package.json'].sort());
    expect(git('tag', '--list')).toBe('v0.2.0\n');
  });
});
