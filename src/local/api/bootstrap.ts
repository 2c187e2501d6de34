/**
 * @module What kube-apiserver creates at start: the namespaces default, kube-system,
 * kube-public and kube-node-lease (SystemNamespaces), and the `kubernetes` Service in default
 * with the first address of the service range. Idempotent: a restart finds them present.
 */
import type { Registry } from './registry.ts';
import { findResource, resourceId } from './resources.ts';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function bootstrap(reg: Registry): void {
  const nsInfo = findResource('', 'v1', 'namespaces')!;
  const nsTarget = { info: nsInfo, id: resourceId(nsInfo), namespace: undefined };
  for (const name of SYSTEM_NAMESPACES) {
    if (!reg.store.get('namespaces', undefined, name)) reg.create(nsTarget, { metadata: { name } });
  }
  const svcInfo = findResource('', 'v1', 'services')!;
  if (!reg.store.get('services', 'default', 'kubernetes')) {
    reg.create({ info: svcInfo, id: 'services', namespace: 'default' }, {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    });
  }
}
