/**
 * @module What the embedded API server holds, read from its /metrics (src/local/api/metrics.ts):
 * objects stored, and events kept for watches. Beside each RSS sample, so that the report tells
 * growth of the cluster's state (more objects) from growth of the process (a leak).
 */
import { request, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface StoredSample { t: number; objects: number; history: number }

/** The sums of the two gauges in a /metrics text; undefined when either is missing. */
export function parseStored(text: string): { objects: number; history: number } | undefined {
  let objects: number | undefined;
  let history: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('apiserver_storage_objects{')) objects = (objects ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    else if (line.startsWith('ordinal_api_watch_history_events ')) history = Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return objects === undefined || history === undefined ? undefined : { objects, history };
}

/** One scrape; undefined while the API server is down (a kill -9, a stop) or slow. */
export async function scrapeStored(kc: KubeConfig): Promise<{ objects: number; history: number } | undefined> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) return undefined;
  const opts: RequestOptions = { timeout: 2000 };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve) => {
    const req = request(new URL('/metrics', server), opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(res.statusCode === 200 ? parseStored(Buffer.concat(chunks).toString()) : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
