/**
 * @module `sh -c` over the built-in commands: words with single and double quotes and
 * backslashes, `$VAR`, `${VAR}` and `$?`, the lists `;`, `&&` and `||`, output redirection
 * `>` and `>>`, `cd` and `exit N`. Without `-c` it reads its commands from stdin
 * (interactive.ts). No pipes or subshells: enough for what people type into `kubectl exec`,
 * and a clear error for the rest.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, posix } from 'node:path';
import { BUILTINS, processEnv, type CommandContext, type CommandIO } from './commands.ts';
import { dig, host, nslookup } from './dnstools.ts';
import { resolvePath } from './fs.ts';
import { interactiveShell } from './interactive.ts';

const DNS_TOOLS = { dig, host, nslookup } as Readonly<Record<string, typeof dig>>;

type Token = { op: ';' | '&&' | '||' | '>' | '>>' } | { word: string };

const OPS = ['&&', '||', '>>', ';', '>'] as const;

/** A cursor over the script, with the word being built. */
class Scanner {
  readonly out: Token[] = [];
  word: string | undefined;
  i = 0;
  readonly src: string;
  readonly vars: Readonly<Record<string, string>>;
  constructor(src: string, vars: Readonly<Record<string, string>>) {
    this.src = src;
    this.vars = vars;
  }

  push(): void {
    if (this.word !== undefined) this.out.push({ word: this.word });
    this.word = undefined;
  }

  add(text: string): void {
    this.word = (this.word ?? '') + text;
  }

  /** `$NAME`, `${NAME}` or `$?` at the cursor, expanded. */
  expand(): string {
    const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*|\?))/.exec(this.src.slice(this.i));
    if (!m) {
      this.i++;
      return '$';
    }
    this.i += m[0].length;
    return this.vars[m[1] ?? m[2] ?? ''] ?? '';
  }

  single(): void {
    const end = this.src.indexOf("'", this.i + 1);
    if (end < 0) throw new Error('Syntax error: Unterminated quoted string');
    this.add(this.src.slice(this.i + 1, end));
    this.i = end + 1;
  }

  double(): void {
    this.add('');
    this.i++;
    while (this.i < this.src.length && this.src[this.i] !== '"') {
      const ch = this.src[this.i]!;
      if (ch === '\\' && this.i + 1 < this.src.length) {
        this.add(this.src[this.i + 1]!);
        this.i += 2;
      } else if (ch === '$') this.add(this.expand());
      else {
        this.add(ch);
        this.i++;
      }
    }
    if (this.i >= this.src.length) throw new Error('Syntax error: Unterminated quoted string');
    this.i++;
  }

  /** An operator at the cursor, consumed; false when there is none. */
  operator(): boolean {
    const op = OPS.find((o) => this.src.startsWith(o, this.i));
    if (!op) return false;
    this.push();
    this.out.push({ op });
    this.i += op.length;
    return true;
  }

  step(): void {
    const ch = this.src[this.i]!;
    if (/\s/.test(ch)) {
      this.push();
      this.i++;
    } else if (this.operator()) return;
    else if (ch === "'") this.single();
    else if (ch === '"') this.double();
    else if (ch === '\\' && this.i + 1 < this.src.length) {
      this.add(this.src[this.i + 1]!);
      this.i += 2;
    } else if (ch === '$') this.add(this.expand());
    else if ('|&<()`'.includes(ch)) throw new Error(`Syntax error: "${ch}" is not supported by this simulated shell`);
    else {
      this.add(ch);
      this.i++;
    }
  }
}

/** Split a script into words and operators, expanding variables outside single quotes. */
export function tokenize(script: string, vars: Readonly<Record<string, string>>): Token[] {
  const sc = new Scanner(script, vars);
  while (sc.i < script.length) sc.step();
  sc.push();
  return sc.out;
}

export type Exec = (argv: string[], io: CommandIO, ctx: CommandContext) => Promise<number>;

/** One simple command with its redirection applied. */
async function runSimple(words: string[], redirect: { path: string; append: boolean } | undefined, io: CommandIO, ctx: CommandContext, exec: Exec): Promise<number> {
  if (!redirect) return exec(words, io, ctx);
  const target = resolvePath(ctx.fs, redirect.path, ctx.cwd).hostPath;
  await mkdir(dirname(target), { recursive: true });
  const file = createWriteStream(target, { flags: redirect.append ? 'a' : 'w' });
  const code = await exec(words, { ...io, stdout: (d) => { file.write(d); } }, ctx);
  await new Promise<void>((r) => file.end(r));
  return code;
}

/** How a script ended: its status, and whether it ran `exit` (which ends the shell itself). */
export interface ScriptResult {
  status: number;
  exited: boolean;
}

/** `cd DIR` (default $HOME): a directory on disk, or a parent of a mount point. */
async function changeDir(words: string[], io: CommandIO, ctx: CommandContext): Promise<number> {
  const target = words[1] ?? processEnv(ctx).HOME ?? '/';
  const abs = posix.resolve(ctx.cwd, target);
  const isMountParent = ctx.fs.mounts.some((m) => posix.resolve('/', m.mountPath).startsWith(abs === '/' ? '/' : `${abs}/`));
  const isDir = await stat(resolvePath(ctx.fs, abs).hostPath).then((st) => st.isDirectory(), () => false);
  if (!isDir && !isMountParent && abs !== '/') {
    io.stderr(`sh: cd: can't cd to ${target}: No such file or directory\n`);
    return 2;
  }
  ctx.cwd = abs;
  return 0;
}

/**
 * Run a script: `$?` starts at `status` (the interactive shell carries it from line to line).
 * `cd` changes `ctx.cwd` for the rest of the script and, interactively, for the next lines.
 */
export async function runScript(script: string, io: CommandIO, ctx: CommandContext, exec: Exec, status = 0): Promise<ScriptResult> {
  let tokens: Token[];
  const vars = (): Record<string, string> => ({ ...processEnv(ctx), '?': String(status) });
  try {
    tokens = tokenize(script, vars());
  } catch (err) {
    io.stderr(`sh: 1: ${(err as Error).message}\n`);
    return { status: 2, exited: false };
  }
  let words: string[] = [];
  let redirect: { path: string; append: boolean } | undefined;
  let skip = false;
  const flush = async (): Promise<void> => {
    if (words.length && !skip) {
      if (words[0] === 'exit') throw Object.assign(new Error('exit'), { status: Number(words[1] ?? status) & 255 });
      status = words[0] === 'cd' ? await changeDir(words, io, ctx) : await runSimple(words, redirect, io, ctx, exec);
    }
    words = [];
    redirect = undefined;
  };
  try {
    for (let k = 0; k < tokens.length; k++) {
      const t = tokens[k]!;
      if ('word' in t) { words.push(t.word); continue; }
      if (t.op === '>' || t.op === '>>') {
        const next = tokens[++k];
        if (!next || !('word' in next)) { io.stderr('sh: 1: Syntax error: newline unexpected\n'); return { status: 2, exited: false }; }
        redirect = { path: next.word, append: t.op === '>>' };
        continue;
      }
      await flush();
      skip = (t.op === '&&' && status !== 0) || (t.op === '||' && status === 0);
    }
    await flush();
  } catch (err) {
    const s = (err as { status?: number }).status;
    if (s !== undefined) return { status: s, exited: true };
    throw err;
  }
  return { status, exited: false };
}

/** Run a script; returns the exit status of the last command run. */
export async function runShell(script: string, io: CommandIO, ctx: CommandContext, exec: Exec): Promise<number> {
  return (await runScript(script, io, { ...ctx }, exec)).status;
}

/** Run argv as the container's runtime would: a built-in, `sh -c`, or 127. */
export const execBuiltin: Exec = async (argv, io, ctx) => {
  const [cmd = '', ...args] = argv;
  const name = cmd.split('/').pop() ?? cmd;
  if (name === 'sh' || name === 'bash') {
    if (args[0] === '-c') return runShell(args[1] ?? '', io, ctx, execBuiltin);
    // No script: read commands from stdin, as `kubectl exec -it pod -- sh` and `run -it` expect.
    if (args.every((a) => a === '-i' || a === '-s' || a === '-l')) return interactiveShell(io, { ...ctx }, (line, lio, lctx, status) => runScript(line, lio, lctx, execBuiltin, status));
  }
  const builtin = BUILTINS[name] ?? DNS_TOOLS[name];
  if (builtin) return builtin(args, io, ctx);
  io.stderr(`exec: "${cmd}": executable file not found in $PATH\n`);
  return 127;
};
