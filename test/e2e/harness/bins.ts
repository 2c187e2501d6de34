/**
 * @module Locating the binaries built by scripts/build-e2e-bins.sh.
 *
 * The script is the single source of truth for the versioned cache path (`--print-bin-dir`);
 * ORDINAL_E2E_BIN_DIR overrides it. A missing binary is an error, never a skip.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const BUILD_SCRIPT = join(REPO_ROOT, 'scripts', 'build-e2e-bins.sh');

export const PLANE_BINS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl'] as const;
export type BinName = (typeof PLANE_BINS)[number] | 'coredns';

let cached: string | undefined;

/** The directory holding etcd, kube-apiserver, kube-controller-manager, kubectl and coredns. */
export function binDir(): string {
  if (cached !== undefined) return cached;
  const override = process.env.ORDINAL_E2E_BIN_DIR;
  cached = override && override !== '' ? override : execFileSync('bash', [BUILD_SCRIPT, '--print-bin-dir'], { encoding: 'utf8' }).trim();
  return cached;
}

/** Absolute paths of the named binaries; throws naming the build script if any is missing. */
export function requireBins<N extends BinName>(names: readonly N[], dir: string = binDir()): Record<N, string> {
  const out = {} as Record<N, string>;
  const missing: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
    } catch {
      missing.push(path);
    }
    out[name] = path;
  }
  if (missing.length > 0) {
    throw new Error(
      `e2e binaries missing: ${missing.join(', ')}. Build them with \`bash scripts/build-e2e-bins.sh\` ` +
        '(needs Go >= 1.26 and the Go module proxy; 20-40 min cold, cached afterwards).',
    );
  }
  return out;
}
