/**
 * @module The book's apps (Kubernetes in Action, chapter 10: luksa/kubia, luksa/kubia-pet and
 * luksa/kubia-pet-peers), re-implemented with their exact observable behaviour: the same bodies
 * byte for byte, the same log line, the data file `/var/data/kubia.txt` on the pod's volume, and
 * the peers app's SRV lookup of `kubia.default.svc.cluster.local` followed by a GET of every
 * peer's `/data`, written in completion order.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { resolvePath } from './fs.ts';
import { DialError } from './network.ts';
import { podGet } from './pod-http.ts';
import { lookupHost, resolveSrv } from './resolver.ts';
import type { WorkloadEnv } from './workload.ts';

export const DATA_FILE = '/var/data/kubia.txt';
export const PEERS_SERVICE = 'kubia.default.svc.cluster.local';
export const APP_PORT = 8080;

export type AppHandler = (env: WorkloadEnv, req: IncomingMessage, res: ServerResponse) => Promise<void>;

async function readData(env: WorkloadEnv): Promise<string> {
  try {
    return await readFile(resolvePath(env.fs, DATA_FILE).hostPath, 'utf8');
  } catch {
    return 'No data posted yet';
  }
}

/** POST: the body replaces the file, streamed (a large body is never held in memory). */
async function storeData(env: WorkloadEnv, req: IncomingMessage): Promise<void> {
  const path = resolvePath(env.fs, DATA_FILE).hostPath;
  await mkdir(dirname(path), { recursive: true });
  await pipeline(req, createWriteStream(path));
}

/** `luksa/kubia`: every request gets the hostname. */
export const kubia: AppHandler = async (env, req, res) => {
  req.resume();
  res.writeHead(200);
  res.end(`You've hit ${env.hostname}\n`);
};

/** `luksa/kubia-pet`: POST stores the body and logs a line; anything else shows the data. */
export const kubiaPet: AppHandler = async (env, req, res) => {
  if (req.method === 'POST') {
    await storeData(env, req);
    env.stdout('New data has been received and stored.\n');
    res.writeHead(200);
    res.end(`Data stored on pod ${env.hostname}\n`);
    return;
  }
  req.resume();
  const data = await readData(env);
  res.writeHead(200);
  res.write(`You've hit ${env.hostname}\n`);
  res.end(`Data stored on this pod: ${data}\n`);
};

/**
 * One peer's `/data` body, or `Error: <message>` as the app's httpGet callback reports failures,
 * worded as Node's http client inside the container would (`getaddrinfo ENOTFOUND host`,
 * `connect ECONNREFUSED ip:port`).
 */
export async function peerData(env: WorkloadEnv, host: string): Promise<string> {
  let ip: string;
  try {
    ip = await lookupHost(env, host);
  } catch (err) {
    return `Error: ${(err as Error).message}`;
  }
  try {
    return (await podGet(env.network, ip, APP_PORT, '/data', host)).toString('utf8');
  } catch (err) {
    return `Error: ${err instanceof DialError ? `connect ${err.code} ${ip}:${APP_PORT}` : (err as Error).message}`;
  }
}

/** `luksa/kubia-pet-peers`: POST stores (no log line), `/data` is the raw file, else the peer list. */
export const kubiaPetPeers: AppHandler = async (env, req, res) => {
  if (req.method === 'POST') {
    await storeData(env, req);
    res.writeHead(200);
    res.end(`Data stored on pod ${env.hostname}\n`);
    return;
  }
  req.resume();
  res.writeHead(200);
  if (req.url === '/data') {
    res.end(await readData(env));
    return;
  }
  res.write(`You've hit ${env.hostname}\n`);
  res.write('Data stored in the cluster:\n');
  let peers;
  try {
    peers = await resolveSrv(env, PEERS_SERVICE);
  } catch (err) {
    // The app concatenates the error object: its toString, "Error: querySrv ENOTFOUND ...".
    res.end(`Could not look up DNS SRV records: ${String(err)}`);
    return;
  }
  if (peers.length === 0) {
    res.end('No peers discovered.');
    return;
  }
  await Promise.all(peers.map(async (p) => {
    const body = await peerData(env, p.name);
    res.write(`- ${p.name}: ${body}\n`);
  }));
  res.end();
};

/** The app an image runs, by repository name (registry host and tag/digest ignored). */
export const APPS: Readonly<Record<string, AppHandler>> = {
  'luksa/kubia': kubia,
  'luksa/kubia-pet': kubiaPet,
  'luksa/kubia-pet-peers': kubiaPetPeers,
};
