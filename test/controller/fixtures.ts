// Test builders for StatefulSets, pods and claims, plus a tiny helper to run `plan` once.
import type { ControllerRevision, Pod, StatefulSet, StatefulSetSpec } from '../../src/controller/types.ts';
import { chooseRevisions } from '../../src/controller/revisions.ts';
import { newVersionedPod } from '../../src/controller/pods.ts';

export const NOW = Date.parse('2026-01-01T00:00:00Z');

export function makeSet(spec: Partial<StatefulSetSpec> = {}, name = 'web'): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1 },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      serviceName: 'nginx',
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 1 } },
      revisionHistoryLimit: 10,
      ...spec,
    },
    status: { replicas: 0 },
  };
}

export function withImage(set: StatefulSet, image: string): StatefulSet {
  const next = structuredClone(set);
  next.spec.template.spec = { containers: [{ name: 'nginx', image }] };
  next.metadata.generation = (next.metadata.generation ?? 1) + 1;
  return next;
}

let uidSeq = 0;

export type PodState = 'pending' | 'running' | 'ready' | 'failed' | 'succeeded' | 'terminating';

/** A pod as the API would hold it after the controller created it, advanced to `state`. */
export function makePod(set: StatefulSet, ordinal: number, state: PodState = 'ready', revision?: ControllerRevision, readySince = NOW - 3_600_000): Pod {
  const rev = revision ?? chooseRevisions(set, []).update;
  const pod = newVersionedPod(set, rev, rev, ordinal);
  pod.metadata.uid = `pod-uid-${++uidSeq}`;
  const ready = state === 'ready' || state === 'terminating';
  const phase = { pending: 'Pending', running: 'Running', ready: 'Running', terminating: 'Running', failed: 'Failed', succeeded: 'Succeeded' }[state];
  pod.status = { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date(readySince).toISOString() }] };
  if (state === 'terminating') pod.metadata.deletionTimestamp = new Date(NOW).toISOString();
  return pod;
}

export function kinds(actions: readonly { kind: string }[]): string[] {
  return actions.map((a) => a.kind);
}
