/**
 * @module Small Node-side helpers for the e2e harness: free loopback ports, polling, running a
 * command to completion and a minimal HTTPS GET that trusts a given CA.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel picked it for port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** `n` different free ports (the kernel may hand out a just-closed port again). */
export async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let i = 0; ports.size < n; i++) {
    if (i > 10 * n) throw new Error(`could not find ${n} distinct free ports`);
    ports.add(await freePort());
  }
  return [...ports];
}

async function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.once('error', () => resolve(false));
    sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
  });
}

/** A port free for both TCP and UDP on 127.0.0.1, as a DNS server needs both. */
export async function freeDnsPort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    if (await udpFree(port)) return port;
  }
  throw new Error('no port free for both TCP and UDP on 127.0.0.1 after 20 tries');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export type WaitOptions = { intervalMs?: number; what?: string };

/**
 * Poll `fn` until it returns a value other than undefined/false/null, and return that value.
 * Exceptions count as "not yet"; on timeout the last one is reported, so a failing probe
 * explains itself.
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs: number,
  opts: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const interval = opts.intervalMs ?? 200;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() >= deadline) {
      const why = lastErr instanceof Error ? `: last error: ${lastErr.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}${why}`);
    }
    await sleep(interval);
  }
}

export type RunResult = { code: number; stdout: string; stderr: string };
export type RunOptions = { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string };

/** Run a command to completion; never throws for a non-zero exit (the caller asserts on `code`). */
export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (signal ? `\n[killed by ${signal}]` : ''),
      }),
    );
    child.stdin.on('error', () => undefined); // a child that exits before reading must not raise EPIPE
    child.stdin.end(opts.input ?? '');
  });
}

export type HttpResult = { status: number; body: string };

/**
 * GET a URL. For https the given CA is trusted and a bearer token sent; used for /readyz-style
 * probes before any client library is configured.
 */
export async function httpGet(
  url: string,
  opts: { ca?: string; token?: string; timeoutMs?: number } = {},
): Promise<HttpResult> {
  const u = new URL(url);
  const headers: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
  const doRequest = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = doRequest(u, { method: 'GET', headers, ca: opts.ca, timeout: opts.timeoutMs ?? 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
