/** @module bench/dns/loadgen.c, built into bench/out/loadgen when missing or older than its source. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

export function loadgenBin(): string {
  const bin = join(ROOT, 'bench/out/loadgen');
  const src = join(ROOT, 'bench/dns/loadgen.c');
  mkdirSync(dirname(bin), { recursive: true });
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) execFileSync('cc', ['-O2', '-Wall', '-o', bin, src]);
  return bin;
}
