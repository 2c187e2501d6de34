// Shared helpers for the API conformance suite: Status assertions, polling and watch capture.
import { ApiException, Watch, type KubeConfig } from '@kubernetes/client-node';
import { expect } from 'vitest';

export interface Target {
  kc: KubeConfig;
  cleanup(): Promise<void>;
}

export type MakeTarget = () => Promise<Target>;

/** The Status a failed call carried: code and reason, asserted together. */
export async function expectStatus(p: Promise<unknown>, code: number, reason?: string): Promise<Record<string, unknown>> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, `expected HTTP ${code}`).toBeInstanceOf(ApiException);
  const ex = err as ApiException<unknown>;
  expect(ex.code).toBe(code);
  const body = (typeof ex.body === 'string' ? JSON.parse(ex.body) : ex.body) as Record<string, unknown>;
  expect(body.kind).toBe('Status');
  expect(body.code).toBe(code);
  if (reason) expect(body.reason).toBe(reason);
  return body;
}

export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface Captured {
  events: { type: string; object: Record<string, any> }[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  done: Promise<unknown>;
  stop(): void;
}

export async function capture(kc: KubeConfig, path: string, query: Record<string, string | number | boolean | undefined>): Promise<Captured> {
  const events: Captured['events'] = [];
  let resolveDone!: (v: unknown) => void;
  const done = new Promise((r) => { resolveDone = r; });
  const ctrl = await new Watch(kc).watch(path, query, (type, object) => { events.push({ type, object }); }, (err) => resolveDone(err ?? null));
  return { events, done, stop: () => ctrl.abort() };
}

let counter = 0;
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid % 10000}-${counter}-${Math.floor(Math.random() * 1e4)}`;
}
