/**
 * Watch-history heap bench: what the embedded API server's history costs when a 100-endpoint
 * EndpointSlice is rewritten N times, one endpoint's readiness flipped each time (as the
 * EndpointSlice controller does when one pod of a 100-pod StatefulSet flips), each body parsed
 * from JSON as a request's is. Against the same N versions kept whole (the store before versions
 * shared their unchanged parts, src/local/api/share.ts), and the time one write takes.
 *
 *   node_modules/.bin/node --expose-gc bench/store-history.ts [writes=10000]
 */
import { Store, type KObject } from '../src/local/api/store.ts';

const WRITES = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc: () => void }).gc;
function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function slice(flipped: number): KObject {
  return JSON.parse(JSON.stringify({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name: 'big0-x7k2p', namespace: 'soak', uid: 'b6c2a1d0-0000-4000-8000-000000000001', labels: { 'kubernetes.io/service-name': 'big0', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'big0', uid: 'b6c2a1d0-0000-4000-8000-000000000002', controller: true, blockOwnerDeletion: true }] },
    endpoints: Array.from({ length: 100 }, (_, i) => ({
      addresses: [`10.244.${i % 3}.${i + 2}`], conditions: { ready: i !== flipped, serving: i !== flipped, terminating: false },
      hostname: `big0-${i}`, nodeName: `node-${i % 3}`, targetRef: { kind: 'Pod', name: `big0-${i}`, namespace: 'soak', uid: `0f1e2d3c-0000-4000-8000-${String(i).padStart(12, '0')}` },
    })),
    ports: [{ name: 'peer', port: 7000, protocol: 'TCP' }, { name: 'http', port: 8080, protocol: 'TCP' }],
  })) as KObject;
}

const h0 = heapMb();
const store = new Store({ historyLimit: WRITES });
let putNs = 0n;
for (let i = 0; i < WRITES; i++) {
  const body = slice(i % 100);
  const t = process.hrtime.bigint();
  store.put('endpointslices.discovery.k8s.io', body);
  putNs += process.hrtime.bigint() - t;
}
const shared = heapMb() - h0;
const whole = Array.from({ length: WRITES }, (_, i) => slice(i % 100));
const kept = heapMb() - h0 - shared;
console.log(JSON.stringify({ writes: WRITES, history: store.historySize(), sharedMb: +shared.toFixed(1), wholeMb: +kept.toFixed(1), ratio: +(kept / shared).toFixed(1), putUs: +(Number(putNs) / 1000 / WRITES).toFixed(1) }));
void whole;
