/**
 * The simulated TTY's line discipline and the interactive shell's prompt: bytes as kubectl sends
 * them from a raw-mode terminal, the echo a user sees, and the lines the shell reads.
 */
import { describe, expect, it } from 'vitest';
import { prompt } from '../../../src/local/sim/runtime/interactive.ts';
import { endPipe, feedPipe, feedTty, INITIAL_TTY, type TtyEvent, type TtyState } from '../../../src/local/sim/runtime/tty.ts';

/** Feed chunks one after another; collect all echo and events. */
function run(feed: typeof feedTty, chunks: Array<string | Buffer>): { echo: string; events: TtyEvent[]; state: TtyState } {
  let state = INITIAL_TTY;
  let echo = '';
  const events: TtyEvent[] = [];
  for (const c of chunks) {
    const step = feed(state, typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
    state = step.state;
    echo += step.echo;
    events.push(...step.events);
  }
  return { echo, events, state };
}

const line = (text: string): TtyEvent => ({ kind: 'line', text });

describe('feedTty (canonical mode with echo)', () => {
  it.each<[string, Array<string | Buffer>, string, TtyEvent[], string]>([
    ['a line ended by Enter (CR)', ['ls /var\r'], 'ls /var\r\n', [line('ls /var')], ''],
    ['keystrokes one by one', ['e', 'c', 'h', 'o', '\r'], 'echo\r\n', [line('echo')], ''],
    ['LF ends a line too', ['pwd\n'], 'pwd\r\n', [line('pwd')], ''],
    ['backspace (DEL) erases one char', ['lx\x7fs\r'], 'lx\b \bs\r\n', [line('ls')], ''],
    ['backspace on an empty line does nothing', ['\x7f\x08'], '', [], ''],
    ['^U kills the line', ['rm -rf\x15ls\r'], 'rm -rf' + '\b \b'.repeat(6) + 'ls\r\n', [line('ls')], ''],
    ['^C drops the line and interrupts', ['sleep\x03'], 'sleep^C\r\n', [{ kind: 'interrupt' }], ''],
    ['^D on an empty line is end of input', ['\x04'], '', [{ kind: 'eof' }], ''],
    ['^D after text hands the text over', ['ab\x04'], 'ab', [line('ab')], ''],
    ['arrow keys (CSI sequences) are dropped', ['\x1b[A\x1b[Dls\r'], 'ls\r\n', [line('ls')], ''],
    ['an escape split across chunks is dropped', ['\x1b', '[', '1;5', 'C', 'x\r'], 'x\r\n', [line('x')], ''],
    ['two lines in one chunk', ['a\rb\r'], 'a\r\nb\r\n', [line('a'), line('b')], ''],
    ['an unfinished line stays in the state', ['ech'], 'ech', [], 'ech'],
    ['UTF-8 is kept whole, and erased whole', [Buffer.from('é\x7fü\r')], Buffer.from('é').toString('latin1') + '\b \b' + Buffer.from('ü').toString('latin1') + '\r\n', [line('ü')], ''],
    ['other control bytes are ignored', ['a\x01\x07b\r'], 'ab\r\n', [line('ab')], ''],
  ])('%s', (_name, chunks, echo, events, rest) => {
    const r = run(feedTty, chunks);
    expect(r.echo).toBe(echo);
    expect(r.events).toEqual(events);
    expect(r.state.line).toBe(Buffer.from(rest).toString('latin1'));
  });
});

describe('feedPipe (no TTY)', () => {
  it.each<[string, string[], TtyEvent[], TtyEvent[]]>([
    ['lines cut at LF, no echo', ['ls\necho hi\n'], [line('ls'), line('echo hi')], [{ kind: 'eof' }]],
    ['a line split across chunks', ['ec', 'ho x\n'], [line('echo x')], [{ kind: 'eof' }]],
    ['a last line without LF still runs at the end', ['ls\nhostname'], [line('ls')], [line('hostname'), { kind: 'eof' }]],
    ['control bytes are data', ['a\x7fb\n'], [line('a\x7fb')], [{ kind: 'eof' }]],
  ])('%s', (_name, chunks, events, atEnd) => {
    const r = run(feedPipe, chunks);
    expect(r.echo).toBe('');
    expect(r.events).toEqual(events);
    expect(endPipe(r.state)).toEqual(atEnd);
  });
});

describe('prompt (ash PS1 \\w \\$ as root)', () => {
  it.each([
    ['/', {}, '/ # '],
    ['/var/data', {}, '/var/data # '],
    ['/root', {}, '~ # '],
    ['/root/x', {}, '~/x # '],
    ['/home/u', { HOME: '/home/u' }, '~ # '],
  ])('%s with %j', (cwd, env, want) => {
    expect(prompt({ cwd, env })).toBe(want);
  });
});
