// scripts/build-native.mjs runs at `npm install`: where it cannot build, it must say so in one
// line and exit 0 (ordinal then serves UDP through node:dgram), never fail the install.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve('scripts/build-native.mjs');

/** A "compiler" that answers --version and fails every build. */
function brokenCc(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ordinal-cc-')), 'cc');
  writeFileSync(path, '#!/bin/sh\n[ "$1" = --version ] && exit 0\necho "cc: internal error" >&2\nexit 1\n');
  chmodSync(path, 0o755);
  return path;
}

describe('scripts/build-native.mjs', () => {
  it.each([
    { name: 'no C compiler on PATH', env: { PATH: mkdtempSync(join(tmpdir(), 'ordinal-nocc-')), CC: '' }, says: 'no C compiler' },
    { name: 'a compiler that fails', env: { CC: brokenCc() }, says: 'failed' },
  ])('$name: one warning line, exit 0', ({ env, says }) => {
    const r = spawnSync(process.execPath, [SCRIPT], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const warnings = r.stderr.trim().split('\n').filter((l) => /the batched UDP addon was not (re)?built/.test(l));
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain(says);
  });
});
