/**
 * @module `sh` with no script: commands read from stdin, a line at a time, as busybox's ash does
 * for `kubectl exec -it pod -- sh` and `kubectl run -it --image=busybox -- sh`. On a TTY it
 * prompts (`PS1='\w \$ '`, root's `#`), echoes and edits through the line discipline (tty.ts),
 * and ^C stops the running command. From a pipe it reads silently. `exit` or end of input ends
 * it with the last command's status.
 */
import type { CommandContext, CommandIO } from './commands.ts';
import type { ScriptResult } from './shell.ts';
import { endPipe, feedPipe, feedTty, INITIAL_TTY, type TtyEvent, type TtyState } from './tty.ts';

export type RunLine = (line: string, io: CommandIO, ctx: CommandContext, status: number) => Promise<ScriptResult>;

/** ash's `\w`: the working directory, with $HOME shown as `~`. */
export function prompt(ctx: Pick<CommandContext, 'cwd' | 'env'>): string {
  const home = ctx.env.HOME ?? '/root';
  const dir = ctx.cwd === home ? '~' : ctx.cwd.startsWith(`${home}/`) ? `~${ctx.cwd.slice(home.length)}` : ctx.cwd;
  return `${dir} # `;
}

/** Events from stdin as they come, with a wait for the next one (or the end of the session). */
class Events {
  private readonly queue: TtyEvent[] = [];
  private wake: (() => void) | undefined;
  private readonly signal: AbortSignal;
  onInterrupt: (() => void) | undefined;

  constructor(signal: AbortSignal) {
    this.signal = signal;
    // One listener for the session, not one per wait (a long session would pile them up).
    signal.addEventListener('abort', () => this.wake?.(), { once: true });
  }

  push(events: TtyEvent[]): void {
    for (const e of events) {
      // ^C acts at once (it is a signal, not input); a running command is stopped by it.
      if (e.kind === 'interrupt' && this.onInterrupt) this.onInterrupt();
      else this.queue.push(e);
    }
    this.wake?.();
  }

  async next(): Promise<TtyEvent> {
    while (this.queue.length === 0) {
      if (this.signal.aborted) return { kind: 'eof' };
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    return this.queue.shift()!;
  }
}

/** Read stdin into `events` through the line discipline; echo goes to stdout. */
function pump(io: CommandIO, tty: boolean, events: Events): void {
  let state: TtyState = INITIAL_TTY;
  const stdin = io.stdin!;
  stdin.on('data', (chunk: Buffer | string) => {
    const step = (tty ? feedTty : feedPipe)(state, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    state = step.state;
    if (step.echo) io.stdout(Buffer.from(step.echo, 'latin1'));
    events.push(step.events);
  });
  stdin.once('end', () => events.push(tty ? [{ kind: 'eof' }] : endPipe(state)));
}

export async function interactiveShell(io: CommandIO, ctx: CommandContext, run: RunLine): Promise<number> {
  // busybox sh with stdin closed (no `-i` in kubectl) reads end of input at once.
  if (!io.stdin) return 0;
  const tty = io.tty === true;
  const events = new Events(io.signal);
  pump(io, tty, events);
  let status = 0;
  for (;;) {
    if (tty) io.stdout(prompt(ctx));
    const e = await events.next();
    if (e.kind === 'eof') break;
    if (e.kind === 'interrupt') continue;
    if (!e.text.trim()) continue;
    const line = new AbortController();
    const stop = (): void => line.abort();
    io.signal.addEventListener('abort', stop, { once: true });
    events.onInterrupt = stop;
    try {
      // Commands started from the shell do not read the terminal: the shell owns it.
      const r = await run(e.text, { ...io, stdin: undefined, signal: line.signal }, ctx, status);
      status = line.signal.aborted && !io.signal.aborted ? 130 : r.status;
      if (r.exited) return r.status;
    } finally {
      events.onInterrupt = undefined;
      io.signal.removeEventListener('abort', stop);
    }
  }
  if (tty && !io.signal.aborted) io.stdout('\n');
  return status;
}
