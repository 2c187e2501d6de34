import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/kube/client.ts';
import { execute, type ExecContext } from '../../src/controller/execute.ts';
import type { Api } from '../../src/controller/rest.ts';
import type { Action } from '../../src/controller/actions.ts';
import { silentLogger } from '../../src/log.ts';
import { makePod, makeSet } from './fixtures.ts';

const set = makeSet();

function fakeApi(fail: Record<string, ApiError[]>) {
  const calls: string[] = [];
  const step = async (verb: string, path: string) => {
    calls.push(`${verb} ${path}`);
    const err = fail[`${verb} ${path}`]?.shift();
    if (err) throw err;
    return (path.endsWith('/statefulsets/web') ? set : {}) as never;
  };
  const api: Api = {
    get: (p) => step('GET', p), create: (p) => step('POST', p), replace: (p) => step('PUT', p),
    mergePatch: (p) => step('PATCH', p), remove: (p) => step('DELETE', p),
  };
  return { api, calls };
}

const pod = makePod(set, 0);
const events: string[] = [];
const ctx = (api: Api): ExecContext => ({ api, set, log: silentLogger(), record: async (_t, r) => { events.push(r); } });
const P = '/api/v1/namespaces/default/pods';

describe('execute', () => {
  it.each<[string, Action[], Record<string, ApiError[]>, boolean]>([
    ['AlreadyExists on create is done', [{ kind: 'createPod', pod: 'web-0', object: pod }], { [`POST ${P}`]: [new ApiError(409, 'AlreadyExists', 'exists')] }, false],
    ['NotFound on delete is done', [{ kind: 'deletePod', pod: 'web-0', uid: 'u', reason: 'condemned' }], { [`DELETE ${P}/web-0`]: [new ApiError(404, 'NotFound', 'gone')] }, false],
    ['Conflict on update fails the sync', [{ kind: 'updatePod', pod: 'web-0', object: pod }], { [`PUT ${P}/web-0`]: [new ApiError(409, 'Conflict', 'stale')] }, true],
  ])('%s', async (_n, actions, fail, wantError) => {
    const { api } = fakeApi(fail);
    const r = await execute(ctx(api), actions);
    expect(Boolean(r.error)).toBe(wantError);
  });

  it('stops pod work after a failure but still writes status, retrying it on Conflict', async () => {
    const status = '/apis/apps/v1/namespaces/default/statefulsets/web/status';
    const { api, calls } = fakeApi({ [`POST ${P}`]: [new ApiError(500, 'InternalError', 'boom')], [`PUT ${status}`]: [new ApiError(409, 'Conflict', 'stale')] });
    const r = await execute(ctx(api), [
      { kind: 'createPod', pod: 'web-0', object: pod },
      { kind: 'createPod', pod: 'web-1', object: pod },
      { kind: 'updateStatus', status: { replicas: 1 } },
      { kind: 'requeue', afterMs: 500 },
    ]);
    expect(r.error?.message).toBe('boom');
    expect(r.requeueAfterMs).toBe(500);
    expect(calls).toEqual([`POST ${P}`, `PUT ${status}`, 'GET /apis/apps/v1/namespaces/default/statefulsets/web', `PUT ${status}`]);
  });

  it('runs a Parallel batch concurrently and stops later batches on error', async () => {
    const { api, calls } = fakeApi({ [`POST ${P}`]: [new ApiError(500, 'InternalError', 'x')] });
    const mk = (name: string, batch: number): Action => ({ kind: 'createPod', pod: name, object: pod, batch });
    const r = await execute(ctx(api), [mk('web-0', 0), mk('web-1', 1), mk('web-2', 1)]);
    expect(r.error).toBeDefined();
    expect(calls).toEqual([`POST ${P}`]);
  });
});
