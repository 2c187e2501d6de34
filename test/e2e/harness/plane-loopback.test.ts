/**
 * kube-apiserver needs a default route to pick its advertise address; CI hosts without one get
 * 127.0.0.1 with the endpoint reconciler off. This starts a plane that way to prove the fallback.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { advertiseArgs, hasDefaultRoute, startControlPlane, type ControlPlane } from './plane.ts';

const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';

describe('hasDefaultRoute', () => {
  it.each([
    { what: 'default via eth0', table: `${HEADER}\neth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0`, want: true },
    { what: 'only a link route', table: `${HEADER}\neth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0`, want: false },
    { what: 'a default route that is down', table: `${HEADER}\neth0\t00000000\t010200C0\t0002\t0\t0\t0\t00000000\t0\t0\t0`, want: false },
    { what: 'no /proc (empty)', table: '', want: false },
  ])('$what → $want', ({ table, want }) => {
    expect(hasDefaultRoute(table)).toBe(want);
    expect(advertiseArgs(want)).toEqual(want ? [] : ['--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none']);
  });
});

describe('control plane without a default route', () => {
  let plane: ControlPlane | undefined;
  afterAll(async () => plane?.stop());

  it('starts, serves the API and runs the EndpointSlice controller', async () => {
    plane = await startControlPlane({ defaultRoute: false });
    const core = plane.kubeConfig().makeApiClient(CoreV1Api);
    const ns = await core.readNamespace({ name: 'default' });
    expect(ns.status?.phase).toBe('Active');
    // With the reconciler off nobody writes the kubernetes Service's endpoints.
    const svc = await core.readNamespacedService({ namespace: 'default', name: 'kubernetes' });
    expect(svc.spec?.clusterIP).toBe('10.0.0.1');
  });
});
