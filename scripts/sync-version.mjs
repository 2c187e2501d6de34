#!/usr/bin/env node
// The `version` lifecycle script: after `npm version X` has written package.json, carry X into
// the places that name the release, so the package, `ordinal version`, the image tag
// (scripts/image.sh reads package.json) and deploy/ never disagree:
//   deploy/kustomization.yaml  newTag
//   deploy/deployment.yaml     the image reference, for users who apply it without kustomize
//   CHANGELOG.md               a heading for X under [Unreleased] (Keep a Changelog)
// Plain JavaScript on purpose: npm may run it with any Node on the PATH.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const read = (p) => readFileSync(new URL(p, root), 'utf8');
const { version } = JSON.parse(read('package.json'));
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) throw new Error(`package.json version "${version}" is not semver`);

function rewrite(path, pattern, replacement) {
  const before = read(path);
  if (!pattern.test(before)) throw new Error(`${path}: no match for ${pattern}`);
  writeFileSync(new URL(path, root), before.replace(pattern, replacement));
}

rewrite('deploy/kustomization.yaml', /^(\s*newTag:\s*).*$/m, `$1${version}`);
rewrite('deploy/deployment.yaml', /^(\s*image:\s*ghcr\.io\/ordinal\/ordinal:).*$/m, `$1${version}`);
const changelog = read('CHANGELOG.md');
if (!changelog.includes(`## [${version}]`)) {
  const date = new Date().toISOString().slice(0, 10);
  rewrite('CHANGELOG.md', /^## \[Unreleased\]$/m, `## [Unreleased]\n\n## [${version}] - ${date}`);
}
console.log(`version ${version}: deploy/kustomization.yaml, deploy/deployment.yaml, CHANGELOG.md`);
