/**
 * @module `pods/exec` and `pods/attach` over WebSocket, the remote-command channel protocol
 * (k8s.io/apimachinery pkg/util/remotecommand; KEP-4006): binary messages whose first byte is
 * the channel (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize), `v5.channel.k8s.io` adding
 * CLOSE (255) for stdin's end. The session ends with one Status on channel 3, then close 1000.
 */
import { PassThrough } from 'node:stream';
import type { WebSocket } from 'ws';
import type { PodBackend } from './pod-backend.ts';

export const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
export type ChannelProtocol = (typeof PROTOCOLS)[number];

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const CLOSE = 255;

export interface Streams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The Status kube-apiserver writes on channel 3 for an exit code (bare: no kind/apiVersion). */
export function exitStatus(code: number): Record<string, unknown> {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: exit status ${code}`, reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

export function internalStatus(message: string): Record<string, unknown> {
  return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 };
}

/** A TTY's output processing (onlcr): "\n" becomes "\r\n". */
function onlcr(d: string | Buffer): Buffer {
  const b = typeof d === 'string' ? Buffer.from(d) : d;
  if (!b.includes(0x0a)) return b;
  return Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

export interface Session {
  stdin: PassThrough | undefined;
  out(data: string | Buffer): void;
  err(data: string | Buffer): void;
  signal: AbortSignal;
  /** Write the final Status and close normally. */
  finish(status: Record<string, unknown>): void;
}

/** Wire a WebSocket to a session: stdin and resize in, stdout/stderr out, one Status at the end. */
export function openSession(ws: WebSocket, protocol: ChannelProtocol, s: Streams): Session {
  const abort = new AbortController();
  const stdin = s.stdin ? new PassThrough() : undefined;
  let done = false;
  const send = (ch: number, d: string | Buffer): void => {
    if (done || ws.readyState !== ws.OPEN) return;
    const data = s.tty ? onlcr(d) : typeof d === 'string' ? Buffer.from(d) : d;
    if (data.length) ws.send(Buffer.concat([Buffer.from([ch]), data]));
  };
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (!isBinary || data.length === 0) return;
    if (data[0] === STDIN) stdin?.write(data.subarray(1));
    else if (data[0] === CLOSE && protocol === 'v5.channel.k8s.io' && data.length === 2 && data[1] === STDIN) stdin?.end();
    // Channel 4 (resize) needs no action: the simulated commands draw no screen.
  });
  ws.on('close', () => {
    done = true;
    stdin?.end();
    abort.abort();
  });
  ws.on('error', () => ws.terminate());
  return {
    stdin,
    out: (d) => send(STDOUT, d),
    err: (d) => (s.tty ? send(STDOUT, d) : s.stderr ? send(STDERR, d) : undefined),
    signal: abort.signal,
    finish(status) {
      if (done) return;
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([STATUS]), Buffer.from(JSON.stringify(status))]));
      done = true;
      ws.close(1000);
    },
  };
}

/** exec: run the command, stream its stdio, report its exit code. */
export async function runExec(backend: PodBackend, ws: WebSocket, protocol: ChannelProtocol, s: Streams, uid: string, container: string, argv: string[]): Promise<void> {
  const session = openSession(ws, protocol, s);
  try {
    const code = await backend.exec(uid, container, argv, { stdin: session.stdin, stdout: session.out, stderr: session.err, signal: session.signal, tty: s.tty });
    session.finish(exitStatus(code));
  } catch (err) {
    session.finish(internalStatus(`error executing command in container: ${(err as Error).message}`));
  }
}

/**
 * attach: the container's output from now on, until it ends, and the session's stdin into the
 * process's when the container has one. With `stdinOnce` the process's stdin closes when this
 * first session leaves, as the kubelet does: `kubectl run -it --rm` ends when the shell does.
 */
export function runAttach(backend: PodBackend, ws: WebSocket, protocol: ChannelProtocol, s: Streams, uid: string, container: string): void {
  const session = openSession(ws, protocol, s);
  const log = backend.containerLog(uid, container, false);
  if (!log) return session.finish(internalStatus(`container ${JSON.stringify(container)} is not running`));
  const stdin = backend.containerStdin(uid, container);
  if (session.stdin && stdin) {
    session.stdin.on('data', (d: Buffer) => stdin.stream.write(d));
    session.stdin.once('end', () => {
      if (stdin.once) stdin.stream.end();
    });
  }
  const stop = log.follow((line) => {
    if (line) session.out(line.data);
    else session.finish(exitStatus(0));
  });
  session.signal.addEventListener('abort', () => stop(), { once: true });
}
