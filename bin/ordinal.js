#!/usr/bin/env node
// Entry point. Node >= 22.18 runs the TypeScript sources directly (type stripping);
// `npm run build` emits dist/ for installs where stripping is unavailable.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// DNS tail latency: V8's young generation grows to 16 MB and more, and Node allocates a buffer
// per datagram, so each scavenge then frees many thousands of them at once: a pause of a few
// milliseconds that every query behind it waits for (p99 about 5 ms at 85k queries/s on one
// core). 2 MB semi-spaces keep each pause short (p99 under 0.5 ms; bench/RESULTS.md). V8 reads
// the size only at startup, so the process re-executes itself once with the flag (same pid).
// A size the user chose (on the command line or in NODE_OPTIONS) is kept.
const SEMI_SPACE = '--max-semi-space-size';
const chosen = process.execArgv.some((a) => a.startsWith(SEMI_SPACE)) || (process.env.NODE_OPTIONS ?? '').includes(SEMI_SPACE);
if (!chosen && typeof process.execve === 'function') {
  const self = fileURLToPath(import.meta.url);
  process.execve(process.execPath, [process.execPath, `${SEMI_SPACE}=2`, ...process.execArgv, self, ...process.argv.slice(2)], process.env);
}

const dist = new URL('../dist/cli/main.js', import.meta.url);
const entry = existsSync(dist) && process.env.ORDINAL_FROM_SRC !== '1' ? dist.href : new URL('../src/cli/main.ts', import.meta.url).href;
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
