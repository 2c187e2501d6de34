/**
 * @module The embedded API server's /metrics (Prometheus text format), as kube-apiserver serves
 * its own at /metrics to an authorized client (`kubectl get --raw /metrics`).
 *
 * Everything is read from the store at scrape time: nothing on the request path counts.
 * `apiserver_storage_objects` is kube-apiserver's name and label for the same figure (objects
 * stored per resource, `<plural>.<group>` as in resources.ts resourceId), so a dashboard built for
 * a real control plane reads this one. The watch history's length has no upstream equivalent
 * (etcd keeps revisions, not events) and carries the `ordinal_` prefix.
 */
import { Gauge, Registry } from 'prom-client';
import { RESOURCES, resourceId } from './resources.ts';
import type { Store } from './store.ts';

export function apiMetrics(store: Store): Registry {
  const registry = new Registry();
  // Every served resource, 0s included: a series that appears only once an object exists
  // cannot be told from one the scrape lost. Subresources share their parent's storage.
  const ids = [...new Set(RESOURCES.map(resourceId))].sort();
  new Gauge({
    name: 'apiserver_storage_objects', help: 'Number of stored objects at the time of last check split by kind.', labelNames: ['resource'], registers: [registry],
    collect() {
      this.reset();
      for (const id of new Set([...ids, ...store.resources()])) this.set({ resource: id }, store.count(id));
    },
  });
  new Gauge({
    name: 'ordinal_api_watch_history_events', help: 'Events kept for watches to resume from (bounded by count and by the compaction interval).', registers: [registry],
    collect() { this.set(store.historySize()); },
  });
  new Gauge({
    name: 'ordinal_api_resource_version', help: 'The store\'s current resourceVersion (one per committed write).', registers: [registry],
    collect() { this.set(store.currentRv()); },
  });
  return registry;
}
