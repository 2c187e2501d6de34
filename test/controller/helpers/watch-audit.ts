/**
 * The identity audit (audit.ts) fed by a watch on every pod, for an API server whose store we
 * cannot read: list once, then watch from the list's resourceVersion with client-node's `Watch`,
 * so every event after the list arrives once and in resourceVersion order. A dropped
 * connection resumes from the last resourceVersion seen; an expired one (410 Gone) means
 * events were lost, and the audit says so as a violation rather than checking less in silence.
 * The owning set's policy comes from `policyOf` (the sequence driver registers it before the
 * set exists, so a pod event can never outrun it).
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Api } from '../../../src/controller/rest.ts';
import type { KObject } from '../../../src/local/api/index.ts';
import { IdentityAudit, type PodEventType, type SetPolicy } from './audit.ts';

const PODS = '/api/v1/pods';

export class WatchAudit extends IdentityAudit {
  /** Watches reopened after a drop (each resumed from the last resourceVersion). */
  resumes = 0;
  private rv = '';
  private stopped = false;
  private abort: AbortController | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly kc: KubeConfig;

  private constructor(kc: KubeConfig, policyOf: (ns: string, set: string) => SetPolicy | undefined, lagMs?: number) {
    super(policyOf, lagMs);
    this.kc = kc;
  }

  static async start(kc: KubeConfig, api: Api, policyOf: (ns: string, set: string) => SetPolicy | undefined, lagMs?: number): Promise<WatchAudit> {
    const audit = new WatchAudit(kc, policyOf, lagMs);
    const list = await api.get<{ metadata: { resourceVersion: string }; items: KObject[] }>(PODS);
    audit.seed(list.items);
    audit.rv = list.metadata.resourceVersion;
    await audit.open();
    return audit;
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    this.abort = await new Watch(this.kc).watch(PODS, { resourceVersion: this.rv, allowWatchBookmarks: true }, (type: string, obj: KObject) => {
      if (type === 'ERROR') {
        const status = obj as unknown as { code?: number; message?: string };
        gone = true;
        this.fail(`pod watch error ${status.code ?? '?'} after rv ${this.rv}: ${status.message ?? ''}; events may be lost, the audit is incomplete`);
        return;
      }
      if (type !== 'BOOKMARK') this.observe(type as PodEventType, obj);
      this.rv = obj.metadata.resourceVersion ?? this.rv;
    }, () => {
      // Closed by the server (timeout), the network, or us. Resume unless we stopped or lost events.
      if (this.stopped || gone) return;
      this.resumes++;
      this.retry = setTimeout(() => void this.open().catch((err: unknown) => this.fail(`pod watch could not resume: ${(err as Error).message}`)), 100);
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.abort?.abort();
  }
}
