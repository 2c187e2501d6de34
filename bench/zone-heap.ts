/**
 * Zone heap bench: what the zone's own data costs in V8 heap for N pods (10 per headless Service,
 * 10 namespaces): slim records, the model's indexes, the prebuilt snapshot; and how long one
 * snapshot build takes after a single pod change (200 changes).
 *
 *   node_modules/.bin/node --expose-gc bench/zone-heap.ts [pods=10000]
 */
import { ClusterModel } from '../src/zone/model.ts';
import { toSlim } from '../src/zone/project.ts';
import { DEFAULT_ZONE_CONFIG } from '../src/zone/types.ts';
const PODS = Number(process.argv[2] ?? 10_000);
const SERVICES = PODS / 10;
const gc = (globalThis as { gc: () => void }).gc;
function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}
const mb = (x: number): number => +x.toFixed(1);

function service(s: number): object {
  return {
    kind: 'Service', metadata: { name: `svc-${s}`, namespace: `ns-${s % 10}`, resourceVersion: '1' },
    spec: { clusterIP: 'None', selector: { app: `svc-${s}` }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

/** As the API sends it: parsed from JSON, so no string is shared with its neighbours. */
function pod(i: number): object {
  const svc = Math.floor(i / 10);
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return JSON.parse(JSON.stringify({
    kind: 'Pod',
    metadata: { name: `svc-${svc}-${i}`, namespace: `ns-${svc % 10}`, uid: `uid-${i}`, labels: { app: `svc-${svc}`, tier: 'bench' }, resourceVersion: String(i) },
    spec: { hostname: `svc-${svc}-${i}`, subdomain: `svc-${svc}`, nodeName: 'node-0', containers: [{ name: 'main', image: 'kubia', ports: [{ containerPort: 8080, name: 'http' }] }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
  })) as object;
}

const h0 = heapMb();
const slims = [...Array.from({ length: SERVICES }, (_, s) => toSlim(service(s))), ...Array.from({ length: PODS }, (_, i) => toSlim(pod(i)))];
const h1 = heapMb();
const t0 = performance.now();
const model = new ClusterModel({ ...DEFAULT_ZONE_CONFIG, endpointsFrom: 'pods' });
for (let n = 0; n < 10; n++) model.apply({ kind: 'Namespace', name: `ns-${n}` });
for (const s of slims) model.apply(s);
const applyMs = performance.now() - t0;
const h2 = heapMb();
model.markSynced();
const t1 = performance.now();
let snap = model.snapshot();
const firstSnapshotMs = performance.now() - t1;
const h3 = heapMb();

// One pod's readiness flips, then one snapshot: what the watcher does for a lone event.
const builds: number[] = [];
for (let k = 0; k < 200; k++) {
  const p = slims[SERVICES + ((k * 7919) % PODS)] as { ready: boolean };
  model.apply({ ...p, ready: !p.ready });
  const t = performance.now();
  snap = model.snapshot();
  builds.push(performance.now() - t);
}
builds.sort((a, b) => a - b);
const ms = (x: number | undefined): number => +(x ?? NaN).toFixed(2);
console.log(JSON.stringify({
  pods: PODS, services: SERVICES, names: model.stats().names, version: snap.version,
  slimRecordsMb: mb(h1 - h0), modelIndexesMb: mb(h2 - h1), snapshotMb: mb(h3 - h2),
  applyMs: Math.round(applyMs), firstSnapshotMs: Math.round(firstSnapshotMs),
  oneChangeSnapshotMs: { p50: ms(builds[100]), p99: ms(builds[198]), max: ms(builds[199]) },
}));
