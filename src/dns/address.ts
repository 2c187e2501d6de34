/**
 * @module Listen/server addresses: `host:port` or `[v6]:port`, host an IP literal.
 * Pure; used by the CLI parser and the server.
 */
import { isIP } from 'node:net';

export interface HostPort {
  readonly host: string;
  readonly port: number;
  /** 4 or 6. */
  readonly family: 4 | 6;
}

/** Parse `127.0.0.1:5353` or `[::1]:5353`. Throws an Error saying what is wrong. Port 0 = any free port. */
export function parseHostPort(text: string): HostPort {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  if (!m) throw new Error(`"${text}" is not host:port or [ipv6]:port`);
  const host = m[1]!;
  const port = Number(m[2]);
  const family = isIP(host);
  if (family === 0) throw new Error(`"${host}" is not an IP address`);
  if (!Number.isInteger(port) || port > 65535) throw new Error(`port ${m[2]} is out of range 0-65535`);
  return { host, port, family: family as 4 | 6 };
}

/** The inverse of `parseHostPort`. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
