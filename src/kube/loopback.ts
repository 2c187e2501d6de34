/**
 * @module The in-process clients' way to the embedded API: plain HTTP on a private Unix socket.
 *
 * kube-apiserver gives its own controllers a loopback client config; `ordinal local` does the
 * same for its controller, simulated nodes and watchers, which share the API's process. Over the
 * TLS listener every request and watch event of theirs was encrypted and decrypted in the one
 * thread that also serves it, and each new connection cost a handshake (2–3 ms of CPU): about a
 * quarter of a 100-pod scale-up (bench/controller/RESULTS.md). The socket lives in a directory
 * only this user can enter, and requests still carry the bearer token.
 *
 * Users, kubectl and other processes keep the TLS listener: `exportConfig()` gives its kubeconfig.
 */
import type { RequestOptions } from 'node:https';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { Agent } from 'undici';

const NAME = 'ordinal-local-loopback';

export class LoopbackKubeConfig extends KubeConfig {
  readonly socketPath: string;
  private readonly token: string;
  /** The TLS kubeconfig of the same API, for anything that leaves this process. */
  private readonly external: KubeConfig;
  private dispatcher: Agent | undefined;

  constructor(socketPath: string, token: string, external: KubeConfig) {
    super();
    this.socketPath = socketPath;
    this.token = token;
    this.external = external;
    // The host is a placeholder: every connection goes to the socket.
    this.loadFromOptions({
      clusters: [{ name: NAME, server: 'http://localhost', skipTLSVerify: true }],
      users: [{ name: NAME, token }],
      contexts: [{ name: NAME, cluster: NAME, user: NAME, namespace: external.getContextObject(external.getCurrentContext())?.namespace ?? 'default' }],
      currentContext: NAME,
    });
  }

  /** node:http(s) requests (src/kube/client.ts, src/controller/rest.ts): the socket and the token. */
  override async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    opts.headers = { ...opts.headers, Authorization: `Bearer ${this.token}` };
    opts.socketPath = this.socketPath;
  }

  /** client-node's typed clients: one undici pool on the socket for every request. */
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    context.setHeaderParam('Authorization', `Bearer ${this.token}`);
    this.dispatcher ??= new Agent({ connect: { socketPath: this.socketPath } });
    context.setDispatcher(this.dispatcher);
  }

  /** A config to write out or hand to another process: the TLS one. */
  override exportConfig(): string {
    return this.external.exportConfig();
  }

  /** Another loopback config with a pool of its own (see `pooled`). */
  copy(): LoopbackKubeConfig {
    return new LoopbackKubeConfig(this.socketPath, this.token, this.external);
  }

  /** Close the pool, once every client of this config has stopped. */
  async release(): Promise<void> {
    const d = this.dispatcher;
    this.dispatcher = undefined;
    await d?.close();
  }
}
