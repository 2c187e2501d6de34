#!/usr/bin/env node
// npm run build: compile src/ to dist/ (a clean build: stale modules never survive in dist/),
// then record the commit the build came from in dist/build-info.json for `ordinal version`.
// ORDINAL_COMMIT overrides git, for builds from a tree without .git (the container image).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gitCommit } from '../src/cli/version.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
const commit = process.env.ORDINAL_COMMIT || gitCommit(root);
writeFileSync(new URL('../dist/build-info.json', import.meta.url), `${JSON.stringify({ commit }, null, 2)}\n`);
console.log(`dist/ built from commit ${commit}`);
