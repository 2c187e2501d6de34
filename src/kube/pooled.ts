/**
 * @module A KubeConfig whose typed clients share one connection pool.
 *
 * `@kubernetes/client-node` 2.0.1's typed clients (CoreV1Api and friends) build a new undici
 * Agent, and so a new TLS connection, for every request. The simulated kubelets' heartbeats and
 * status writes then spend most of their CPU on handshakes. This KubeConfig gives every request
 * the first Agent it made. (Our own informers and REST calls use `client.ts`, which pools too.)
 */
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { LoopbackKubeConfig } from './loopback.ts';

export class PooledKubeConfig extends KubeConfig {
  private shared: ReturnType<RequestContext['getDispatcher']>;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const made = context.getDispatcher();
    if (!this.shared) this.shared = made;
    else if (made) context.setDispatcher(this.shared);
  }

  /** Close the shared connections, once every client of this KubeConfig has stopped. */
  async release(): Promise<void> {
    await this.shared?.close();
    this.shared = undefined;
  }
}

/** A KubeConfig whose connections can be closed when its clients are done. */
export type Releasable = KubeConfig & { release(): Promise<void> };

/** A pooled copy of `base` (same clusters, users and contexts); a loopback config pools already. */
export function pooled(base: KubeConfig): Releasable {
  if (base instanceof LoopbackKubeConfig) return base.copy();
  const kc = new PooledKubeConfig();
  kc.loadFromString(base.exportConfig());
  return kc;
}
