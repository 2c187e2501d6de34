#!/usr/bin/env node
// Entry point of the installed package: runs the compiled dist/. In a clone without a build,
// or with ORDINAL_FROM_SRC=1 (the npm scripts), it runs the TypeScript sources instead, which
// Node >= 22.18 strips of their types. Kept to syntax and APIs that any Node can parse and run,
// so that an old Node gets the one-line message below instead of a stack trace.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { slimClientNode } from './slim-client-node.js';

// The minimum comes from package.json's engines field, so the two cannot drift apart.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const [needMajor, needMinor] = (/(\d+)\.(\d+)/.exec(pkg.engines.node) || ['', '22', '19']).slice(1).map(Number);
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < needMajor || (major === needMajor && minor < needMinor)) {
  process.stderr.write(`ordinal: needs Node.js ${pkg.engines.node} (this is ${process.version}); install Node.js 24 LTS (e.g. \`nvm install 24\`, or your distribution's nodejs 24 package) and run ordinal again\n`);
  process.exit(1);
}

// DNS tail latency: V8's young generation grows to 16 MB and more, and Node allocates a buffer
// per datagram, so each scavenge then frees many thousands of them at once: a pause of a few
// milliseconds that every query behind it waits for (p99 about 5 ms at 85k queries/s on one
// core). 2 MB semi-spaces keep each pause short (p99 under 0.5 ms; bench/RESULTS.md). V8 reads
// the size only at startup, so the process re-executes itself once with the flag (same pid).
// A size the user chose (on the command line or in NODE_OPTIONS) is kept.
const SEMI_SPACE = '--max-semi-space-size';
const chosen = process.execArgv.some((a) => a.startsWith(SEMI_SPACE)) || (process.env.NODE_OPTIONS ?? '').includes(SEMI_SPACE);
// V8 flags of one command each, added unless the user gave Node the same flag (`user`; V8 takes
// `_` for `-`). These are not accepted in NODE_OPTIONS, only on Node's own command line.
const MEMORY_REDUCER = /^--(no[-_]?)?memory[-_]reducer(=|$)/;
const PER_COMMAND = [
  // Memory of `ordinal local`: its API server keeps 50-100 MB of live objects and allocates fast,
  // and V8 then lets the old generation grow to 2-4 times the live size before a full collection
  // (in the soak, RSS went from 315 MB after start to 600-790 MB ten minutes later). A growth
  // factor of 1.2 keeps the heap near 1.2 times the live size, at the cost of more frequent,
  // mostly concurrent, full collections on the API server's thread. 1.5 left RSS breathing by
  // ±14 MB (standard deviation after warm-up, 12-minute soak), enough to hide or fake a leak of
  // 1 MB per 10 minutes; 1.2 halved that (±7 MB) with the same DNS latency (bench/soak/RESULTS.md).
  { command: 'local', flag: '--heap-growing-percent=20', user: /^--heap[-_]growing[-_]percent(=|$)/ },
  // Memory of `ordinal serve` and `ordinal local`: V8's memory reducer shrinks a heap whenever
  // allocation slows down (a lull in the watch events or the queries) and the next burst grows it
  // back, a page at a time, over tens of minutes. Under a server's steady traffic that is churn,
  // not a saving: in the soak, each DNS thread's old generation went from 19 to 15 MB at one lull
  // and took 10-30 minutes to climb back, an RSS slope of 1 MB per 10 minutes that was not a leak
  // (`local`'s three DNS threads showed the same climb). Without it, each heap stays at its
  // working size, which is what a memory request is sized by. `local`'s own
  // --memory-reduce-interval (src/cli/memory.ts) is a separate, explicit collection.
  { command: 'serve', flag: '--no-memory-reducer', user: MEMORY_REDUCER },
  { command: 'local', flag: '--no-memory-reducer', user: MEMORY_REDUCER },
];
const perCommand = PER_COMMAND
  .filter((f) => f.command === process.argv[2] && !process.execArgv.some((a) => f.user.test(a)))
  .map((f) => f.flag);
// C heap: glibc gives a thread that finds the arenas in use an arena of its own, up to 8 per core
// (mallopt(3), M_ARENA_MAX), and an arena keeps the pages under its live chunks for as long as
// they live: malloc_trim(3) returns only whole free pages. A server here has a dozen threads that
// allocate (DNS threads, V8's compiler and collector threads, libuv's pool), so a dozen arenas
// each ratchet up to its own worst moment. Two arenas share their free space instead. Issue #14,
// the same 30-minute soak twice: `ordinal local`'s C heap grew 2.1 MB per 10 minutes after
// warm-up with every arena and 0.4 with two, and its RSS was 316 MB on average against 296.
// Only for `local`: saturating `serve`'s batched UDP path, two arenas cost about 9% more CPU per
// query (bench/dns/saturate.sh, five interleaved pairs on a noisy host), and its replica's RSS
// was flat without it. A value the user set, as MALLOC_ARENA_MAX or in GLIBC_TUNABLES, is kept;
// C libraries other than glibc ignore it.
const userArenas = process.env.MALLOC_ARENA_MAX !== undefined || /glibc\.malloc\.arena_max/.test(process.env.GLIBC_TUNABLES ?? '');
const arenas = process.argv[2] === 'local' && !userArenas ? { MALLOC_ARENA_MAX: '2' } : {};
if (!chosen && typeof process.execve === 'function') {
  const self = fileURLToPath(import.meta.url);
  const env = { ...process.env, ...arenas };
  process.execve(process.execPath, [process.execPath, `${SEMI_SPACE}=2`, ...perCommand, ...process.execArgv, self, ...process.argv.slice(2)], env);
}

// Memory: `local` needs the embedded cluster's modules; every other command runs from an entry
// that does not import them, and KubeConfig comes without client-node's typed APIs
// (slim-client-node.js). Both save RSS in a long-lived watcher (bench/RESULTS.md, "Footprint").
const local = process.argv[2] === 'local';
slimClientNode({ typedClients: local });
const entry = local ? 'main' : 'main-serve';
const dist = new URL(`../dist/cli/${entry}.js`, import.meta.url);
const src = new URL(`../src/cli/${entry}.ts`, import.meta.url);
const fromSrc = process.env.ORDINAL_FROM_SRC === '1' || !existsSync(dist);
if (fromSrc && !existsSync(src)) {
  process.stderr.write('ordinal: this installation has no dist/ (run `npm run build` in the package directory)\n');
  process.exit(1);
}
const { main } = await import((fromSrc ? src : dist).href);
process.exitCode = await main(process.argv.slice(2));
