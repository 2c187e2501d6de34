/**
 * @module Graceful shutdown on SIGTERM/SIGINT, in the order Kubernetes needs:
 * 1. readiness goes 503, so the endpoint is removed from the Service;
 * 2. keep answering for `drainMs` while kube-proxy / CoreDNS caches catch up (the pod is
 *    still in EndpointSlices until the next sync; cf. CoreDNS `health { lameduck 5s }`);
 * 3. stop DNS, then the watch, then the HTTP endpoint.
 * Each step is isolated: a failing step is logged and the rest still run.
 */
import type { Logger } from '../log.ts';

export interface Closable {
  close(): Promise<void>;
}

export interface ShutdownParts {
  http?: Closable & { setShuttingDown(): void };
  dns?: Closable;
  watcher?: { stop(): Promise<void> };
  /** Anything else to stop last (controllers, local API). */
  others?: Closable[];
  /** Time between readiness 503 and closing DNS (default 2000 ms). */
  drainMs?: number;
  log: Logger;
}

export async function shutdown(parts: ShutdownParts): Promise<void> {
  const log = parts.log.child({ component: 'shutdown' });
  const drainMs = parts.drainMs ?? 2000;
  parts.http?.setShuttingDown();
  log.info({ drainMs }, 'shutting down: readiness 503, draining');
  if (drainMs > 0) await new Promise((r) => setTimeout(r, drainMs));
  const step = async (name: string, fn: (() => Promise<void>) | undefined): Promise<void> => {
    if (!fn) return;
    try {
      await fn();
    } catch (err) {
      log.warn({ err, step: name }, 'shutdown step failed; continuing');
    }
  };
  await step('dns', parts.dns && (() => parts.dns!.close()));
  await step('watcher', parts.watcher && (() => parts.watcher!.stop()));
  for (const o of parts.others ?? []) await step('other', () => o.close());
  await step('http', parts.http && (() => parts.http!.close()));
  log.info('shutdown complete');
}

/**
 * Run `fn` once on the first SIGTERM or SIGINT; a second signal exits at once (an operator
 * pressing Ctrl-C twice means it). Returns a function that removes the handlers.
 */
export function onTerminate(fn: (signal: NodeJS.Signals) => Promise<void>, log: Logger, proc: NodeJS.Process = process): () => void {
  let started = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (started) {
      log.warn({ signal }, 'second signal: exiting now');
      proc.exit(1);
      return;
    }
    started = true;
    fn(signal).then(
      () => proc.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        proc.exit(1);
      },
    );
  };
  proc.on('SIGTERM', handler);
  proc.on('SIGINT', handler);
  return () => {
    proc.off('SIGTERM', handler);
    proc.off('SIGINT', handler);
  };
}
