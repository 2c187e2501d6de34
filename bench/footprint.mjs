// What loading modules costs: imports each argument (a package or a path), collects garbage,
// and prints RSS, V8 heap, external memory and the anonymous / file-backed parts of RSS (MB).
//   node_modules/.bin/node --expose-gc --max-semi-space-size=2 [--import ./bench/footprint-hook.mjs] bench/footprint.mjs ./dist/cli/main-serve.js
// Plain JavaScript on purpose: a .ts script would add Node's type stripper to what it measures.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

for (const m of process.argv.slice(2)) await import(m.startsWith('.') || m.startsWith('/') ? pathToFileURL(m).href : m);
globalThis.gc();
await new Promise((r) => setTimeout(r, 500));
globalThis.gc();
const mu = process.memoryUsage();
const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? NaN);
const mb = (bytes) => Math.round(bytes / 2 ** 20);
console.log(JSON.stringify({
  modules: process.argv.slice(2), rss: mb(mu.rss), heapTotal: mb(mu.heapTotal), heapUsed: mb(mu.heapUsed), external: mb(mu.external),
  anon: mb(kb('Anonymous') * 1024), file: mb((kb('Rss') - kb('Anonymous')) * 1024),
}));
