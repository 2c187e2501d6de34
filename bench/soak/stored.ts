/**
 * @module What the embedded API server holds, read from its /metrics (src/local/api/metrics.ts):
 * objects stored, and events kept for watches. Beside each RSS sample, so that the report tells
 * growth of the cluster's state (more objects) from growth of the process (a leak).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { getText } from '../../src/kube/client.ts';

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
export function scrapeStored(kc: KubeConfig): Promise<{ objects: number; history: number } | undefined> {
  return getText(kc, '/metrics', {}, AbortSignal.timeout(2000)).then(parseStored, () => undefined);
}
