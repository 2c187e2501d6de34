/**
 * @module Persistence of handed-out pod IPs (pod UID → IP), so that a restarted simulator gives
 * a pod that survived the restart the same address it had. Written atomically (temp + rename)
 * so a crash mid-write leaves the previous file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const VERSION = 1;

/** Parse the state file's text; anything malformed yields a clear error. */
export function parseIpState(text: string): Map<string, string> {
  const doc: unknown = JSON.parse(text);
  if (typeof doc !== 'object' || doc === null || (doc as { version?: unknown }).version !== VERSION) {
    throw new Error(`ip state: expected {"version":${VERSION},"ips":{...}}`);
  }
  const ips = (doc as { ips?: unknown }).ips;
  if (typeof ips !== 'object' || ips === null) throw new Error('ip state: "ips" must be an object');
  const out = new Map<string, string>();
  for (const [uid, ip] of Object.entries(ips)) {
    if (typeof ip === 'string') out.set(uid, ip);
  }
  return out;
}

export function formatIpState(ips: ReadonlyMap<string, string>): string {
  const sorted = [...ips.entries()].sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify({ version: VERSION, ips: Object.fromEntries(sorted) }, null, 1) + '\n';
}

/** A missing file is an empty state; a corrupt one is an error the caller may log and ignore. */
export async function loadIpState(path: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  return parseIpState(text);
}

export async function saveIpState(path: string, ips: ReadonlyMap<string, string>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, formatIpState(ips));
  await rename(tmp, path);
}
