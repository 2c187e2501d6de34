/**
 * @module The terminal line discipline a simulated container's TTY gives its shell. With
 * `kubectl exec -it` or `run -it`, kubectl puts the user's terminal in raw mode and sends
 * keystrokes as typed, so the far side echoes, edits and cuts lines, as the kernel's n_tty does
 * in canonical mode (termios(3): ICANON, ECHO, ECHOE, ISIG, ICRNL). Without a TTY the input is a
 * plain byte stream cut at "\n". Pure: bytes in, echo and events out.
 */

export type TtyEvent = { kind: 'line'; text: string } | { kind: 'interrupt' } | { kind: 'eof' };

export interface TtyState {
  /** The line being edited, one char per byte (latin1), or the partial last line (no TTY). */
  readonly line: string;
  /** Inside an escape sequence (arrow keys and the like: ESC [ ... final byte), which is dropped. */
  readonly escape: 'none' | 'esc' | 'csi';
}

export const INITIAL_TTY: TtyState = { line: '', escape: 'none' };

export interface TtyStep {
  state: TtyState;
  /** What the terminal echoes back to the user (bytes, as latin1: one char per byte). */
  echo: string;
  events: TtyEvent[];
}

const ETX = 0x03; // ^C: VINTR
const EOT = 0x04; // ^D: VEOF
const BS = 0x08;
const NAK = 0x15; // ^U: VKILL
const ESC = 0x1b;
const DEL = 0x7f; // VERASE on Linux consoles

const utf8 = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8');

/** Drop the last character, all of its UTF-8 bytes (IUTF8: continuation bytes are 10xxxxxx). */
function eraseChar(line: string): string {
  let end = line.length - 1;
  while (end > 0 && (line.charCodeAt(end) & 0xc0) === 0x80) end--;
  return line.slice(0, end);
}

interface Acc {
  line: string;
  escape: TtyState['escape'];
  echo: string;
  events: TtyEvent[];
}

/** Inside an escape sequence: true when the byte was part of it (and is dropped). */
function inEscape(a: Acc, byte: number): boolean {
  if (a.escape === 'esc') {
    a.escape = byte === 0x5b ? 'csi' : 'none';
    return true;
  }
  if (a.escape === 'csi') {
    // A CSI sequence ends at its final byte, 0x40–0x7e (ECMA-48 §5.4).
    if (byte >= 0x40 && byte <= 0x7e) a.escape = 'none';
    return true;
  }
  if (byte !== ESC) return false;
  a.escape = 'esc';
  return true;
}

/** Hand the line being edited to the reader. */
function deliver(a: Acc): void {
  a.events.push({ kind: 'line', text: utf8(a.line) });
  a.line = '';
}

/** The special characters of canonical mode; false for anything else. */
function control(a: Acc, byte: number): boolean {
  switch (byte) {
    case 0x0d:
    case 0x0a:
      // ICRNL: Enter sends "\r", which the discipline reads as the end of the line.
      a.echo += '\r\n';
      deliver(a);
      return true;
    case DEL:
    case BS:
      if (a.line.length) {
        a.line = eraseChar(a.line);
        a.echo += '\b \b';
      }
      return true;
    case NAK:
      a.echo += '\b \b'.repeat(utf8(a.line).length);
      a.line = '';
      return true;
    case ETX:
      a.echo += '^C\r\n';
      a.line = '';
      a.events.push({ kind: 'interrupt' });
      return true;
    case EOT:
      // VEOF on an empty line is end of input; elsewhere it hands over what is typed (no newline).
      if (a.line.length === 0) a.events.push({ kind: 'eof' });
      else deliver(a);
      return true;
    default:
      return false;
  }
}

/** Feed bytes typed on a TTY: echo them, edit the line, and emit whole lines and signals. */
export function feedTty(state: TtyState, chunk: Buffer): TtyStep {
  const a: Acc = { line: state.line, escape: state.escape, echo: '', events: [] };
  for (const byte of chunk) {
    if (inEscape(a, byte) || control(a, byte) || byte < 0x20) continue;
    const ch = String.fromCharCode(byte);
    a.line += ch;
    a.echo += ch;
  }
  return { state: { line: a.line, escape: a.escape }, echo: a.echo, events: a.events };
}

/** Feed bytes from a pipe (no TTY): every "\n" ends a line; nothing is echoed or edited. */
export function feedPipe(state: TtyState, chunk: Buffer): TtyStep {
  const parts = (state.line + chunk.toString('utf8')).split('\n');
  const rest = parts.pop() ?? '';
  return { state: { line: rest, escape: 'none' }, echo: '', events: parts.map((text) => ({ kind: 'line', text })) };
}

/** The end of a pipe: a last line without "\n" still counts, then end of input. */
export function endPipe(state: TtyState): TtyEvent[] {
  return state.line.length ? [{ kind: 'line', text: state.line }, { kind: 'eof' }] : [{ kind: 'eof' }];
}
