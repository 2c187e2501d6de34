/**
 * @module Thin helpers shared by the simulator's shells: merge-patch options for client-node's
 * typed clients (their patch default is JSON Patch), status-code checks on its ApiException,
 * and informer construction with the project's defaults.
 */
import { ApiException, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { createInformer, type Informer, type KubeObject } from '../../kube/informer.ts';
import type { Logger } from '../../log.ts';

/** Options that make a client-node `patch*` call send an RFC 7386 JSON merge patch. */
export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function statusCode(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const code = (err as { code?: unknown; statusCode?: unknown } | null)?.code ?? (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (err: unknown): boolean => statusCode(err) === 404;
export const isConflict = (err: unknown): boolean => statusCode(err) === 409;

/** Run `fn`, treating 404 as done (the object is already gone, or was never ours). */
export async function ignoreNotFound(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export function informer<T extends KubeObject>(kc: KubeConfig, log: Logger, name: string, path: string, extra: { labelSelector?: string; fieldSelector?: string } = {}): Informer<T> {
  return createInformer<T>({ kc, log, name, path, ...extra });
}

/** Resolve once every informer has synced (or reject after `ms`, with the laggards named). */
export function waitSynced(informers: readonly Informer<KubeObject>[], ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      const pending = informers.filter((i) => !i.hasSynced());
      if (pending.length === 0) return resolve();
      if (Date.now() - started > ms) return reject(new Error(`informers not synced after ${ms} ms: ${pending.map((i) => i.name).join(', ')}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/**
 * resourceVersion ordering. RVs are opaque by contract, but etcd's (and our embedded API's)
 * are integers; when both parse we compare them, otherwise only equality counts.
 */
export function rvAtLeast(have: string | undefined, want: string): boolean {
  if (have === undefined) return false;
  if (/^\d+$/.test(have) && /^\d+$/.test(want)) return BigInt(have) >= BigInt(want);
  return have === want;
}
