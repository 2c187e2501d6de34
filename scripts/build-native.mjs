#!/usr/bin/env node
// Build native/ordinal_udp.c into native/build/ordinal_udp.node with the C compiler and the
// Node-API headers already on the machine: nothing is downloaded. Node-API is ABI-stable
// (NAPI_VERSION 8), so headers of any Node >= 16 build an addon that Node 24 loads.
//
// Without a compiler or headers it prints one warning and exits 0: ordinal then serves UDP
// through node:dgram (--udp-io auto). Plain JS on purpose: it runs at `npm install`, under
// whatever `node` is first on PATH, before anything else is in place.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const src = join(root, 'native', 'ordinal_udp.c');
const out = join(root, 'native', 'build', 'ordinal_udp.node');
const quiet = process.argv.includes('--if-stale');

/** `nodedir=` from npm's config (~/.npmrc or npm_config_nodedir), where node-gyp would look. */
function npmNodedir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  try {
    const m = /^\s*nodedir\s*=\s*(.+?)\s*$/m.exec(readFileSync(join(homedir(), '.npmrc'), 'utf8'));
    return m ? m[1] : undefined;
  } catch {
    return undefined;
  }
}

/** Directories that may hold node_api.h and uv.h, best first. */
function headerCandidates() {
  const dirs = [process.env.ORDINAL_NODE_HEADERS];
  // The `node` devDependency's platform package ships include/node on some versions.
  for (const arch of [`${process.platform}-${process.arch}`]) {
    dirs.push(join(root, 'node_modules', 'node', 'node_modules', `node-${arch}`, 'include', 'node'));
    dirs.push(join(root, 'node_modules', `node-${arch}`, 'include', 'node'));
  }
  // The running node's own prefix (official tarballs, nvm, Debian/NodeSource packages).
  dirs.push(join(dirname(dirname(process.execPath)), 'include', 'node'));
  const nodedir = npmNodedir();
  if (nodedir) dirs.push(join(nodedir, 'include', 'node'));
  dirs.push('/usr/include/node', '/usr/local/include/node');
  return dirs.filter((d) => d !== undefined);
}

function findHeaders() {
  return headerCandidates().find((d) => existsSync(join(d, 'node_api.h')) && existsSync(join(d, 'uv.h')));
}

function findCompiler() {
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean)) {
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore' });
      return cc;
    } catch {
      // not this one
    }
  }
  return undefined;
}

function warn(why) {
  // A package may ship a prebuilt addon: Node-API keeps it loadable where it cannot be rebuilt.
  const then = existsSync(out) ? `keeping the existing ${out}` : 'UDP will use node:dgram';
  console.warn(`ordinal: the batched UDP addon was not ${existsSync(out) ? 'rebuilt' : 'built'} (${why}); ${then}`);
  process.exit(0);
}

if (process.platform !== 'linux') warn(`recvmmsg/sendmmsg are Linux-only, this is ${process.platform}`);
if (quiet && existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) process.exit(0);
const headers = findHeaders();
if (!headers) warn('no Node-API headers found; set ORDINAL_NODE_HEADERS to a directory with node_api.h and uv.h');
const cc = findCompiler();
if (!cc) warn('no C compiler (cc, gcc or clang) on PATH');

mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
try {
  execFileSync(cc, [
    '-shared', '-fPIC', '-O2', '-std=gnu11', '-Wall', '-Wextra', '-fvisibility=hidden',
    '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=ordinal_udp', '-DBUILDING_NODE_EXTENSION',
    '-I', headers, '-o', tmp, src,
  ], { stdio: ['ignore', 'inherit', 'inherit'] });
} catch (err) {
  rmSync(tmp, { force: true });
  warn(`${cc} failed: ${err.message.split('\n')[0]}`);
}
// Rename into place: a running server that has the old file mapped keeps its copy.
renameSync(tmp, out);
if (!quiet) console.log(`ordinal: built ${out} (headers ${headers})`);
