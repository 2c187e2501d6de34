/**
 * @module The built-in commands a simulated container runs for `kubectl exec` (and, for the
 * command images, as its process): echo, cat, ls, env, hostname, sleep, pwd, true, false and
 * `sh -c`, over the container's files (fs.ts). Messages and exit codes are GNU coreutils' and
 * a POSIX shell's: 1 for a failed operation, 2 for ls's serious trouble, 127 for no such command.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { ExecIO } from '../../api/pod-backend.ts';
import { resolvePath, type ContainerFs } from './fs.ts';

/** A command's stdio: exactly what `pods/exec` connects (the API's ExecIO). */
export type CommandIO = ExecIO;

/** The pod's resolver configuration (resolv.conf): ordinal's DNS, the namespace and the zone. */
export interface PodDns {
  dnsServer(): string | undefined;
  readonly namespace: string;
  readonly zone: string;
}

export interface CommandContext {
  fs: ContainerFs;
  dns?: PodDns;
  env: Readonly<Record<string, string>>;
  hostname: string;
  cwd: string;
}

export type Command = (args: string[], io: CommandIO, ctx: CommandContext) => Promise<number>;

/** The environment a process in the container sees (kubelet adds HOSTNAME; PATH from the image). */
export function processEnv(ctx: Pick<CommandContext, 'env' | 'hostname'>): Record<string, string> {
  return { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOSTNAME: ctx.hostname, ...ctx.env, HOME: ctx.env.HOME ?? '/root' };
}

const echo: Command = async (args, io) => {
  const noNewline = args[0] === '-n';
  io.stdout(`${(noNewline ? args.slice(1) : args).join(' ')}${noNewline ? '' : '\n'}`);
  return 0;
};

async function catOne(path: string, io: CommandIO, ctx: CommandContext): Promise<boolean> {
  const host = resolvePath(ctx.fs, path, ctx.cwd).hostPath;
  try {
    if ((await stat(host)).isDirectory()) {
      io.stderr(`cat: ${path}: Is a directory\n`);
      return false;
    }
    for await (const chunk of createReadStream(host, { signal: io.signal })) io.stdout(chunk as Buffer);
    return true;
  } catch {
    io.stderr(`cat: ${path}: No such file or directory\n`);
    return false;
  }
}

const cat: Command = async (args, io, ctx) => {
  const files = args.filter((a) => a !== '-' && !a.startsWith('-'));
  if (files.length === 0) {
    if (io.stdin) for await (const chunk of io.stdin) io.stdout(chunk as Buffer);
    return 0;
  }
  let ok = true;
  for (const f of files) ok = (await catOne(f, io, ctx)) && ok;
  return ok ? 0 : 1;
};

/** Names in a container directory: the files there plus the mount points below it. */
async function listDir(path: string, ctx: CommandContext): Promise<string[]> {
  const abs = posix.resolve(ctx.cwd, path);
  const names = new Set(await readdir(resolvePath(ctx.fs, abs).hostPath).catch(() => [] as string[]));
  for (const m of ctx.fs.mounts) {
    const mp = posix.resolve('/', m.mountPath);
    const rel = posix.relative(abs, mp);
    if (rel && !rel.startsWith('..')) names.add(rel.split('/')[0]!);
  }
  return [...names].sort();
}

async function exists(path: string, ctx: CommandContext): Promise<'dir' | 'file' | undefined> {
  const abs = posix.resolve(ctx.cwd, path);
  if (abs === '/' || ctx.fs.mounts.some((m) => posix.resolve('/', m.mountPath) === abs || posix.resolve('/', m.mountPath).startsWith(`${abs}/`))) return 'dir';
  try {
    return (await stat(resolvePath(ctx.fs, abs).hostPath)).isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

const ls: Command = async (args, io, ctx) => {
  const all = args.some((a) => /^-[a-zA-Z]*a/.test(a));
  const paths = args.filter((a) => !a.startsWith('-'));
  const targets = paths.length ? paths : ['.'];
  let code = 0;
  for (const p of targets) {
    const kind = await exists(p, ctx);
    if (!kind) {
      io.stderr(`ls: cannot access '${p}': No such file or directory\n`);
      code = 2;
      continue;
    }
    if (targets.length > 1 && kind === 'dir') io.stdout(`${p}:\n`);
    const names = kind === 'dir' ? await listDir(p, ctx) : [p];
    for (const n of all && kind === 'dir' ? ['.', '..', ...names] : names.filter((x) => !x.startsWith('.'))) io.stdout(`${n}\n`);
  }
  return code;
};

const env: Command = async (_args, io, ctx) => {
  for (const [k, v] of Object.entries(processEnv(ctx))) io.stdout(`${k}=${v}\n`);
  return 0;
};

const sleep: Command = async (args, io) => {
  const secs = Number((args[0] ?? '').replace(/s$/, ''));
  if (!args[0] || !Number.isFinite(secs) || secs < 0) {
    io.stderr(args[0] ? `sleep: invalid time interval '${args[0]}'\n` : 'sleep: missing operand\n');
    return 1;
  }
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, secs * 1000);
    io.signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
  return io.signal.aborted ? 143 : 0;
};

export const BUILTINS: Readonly<Record<string, Command>> = {
  echo, cat, ls, env, sleep,
  hostname: async (_a, io, ctx) => { io.stdout(`${ctx.hostname}\n`); return 0; },
  pwd: async (_a, io, ctx) => { io.stdout(`${ctx.cwd}\n`); return 0; },
  true: async () => 0,
  false: async () => 1,
};
