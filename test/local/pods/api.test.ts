/**
 * pods/proxy, services/proxy and pods/log on the in-process `ordinal local` stack, over HTTPS
 * with the bearer token, as kubectl and `kubectl proxy` use them: exact bodies from the book's
 * app, kube-apiserver's status codes and messages for what goes wrong, a 10 MB body streamed
 * through, and a followed log that ends when the container stops.
 */
import { request, type RequestOptions } from 'node:https';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../sim/cluster.ts';
import { startPodsStack, type PodsStack } from './stack.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(s: PodsStack, method: string, path: string, body?: string | Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const o: RequestOptions = { host: s.api.host, port: s.api.port, method, path, ca: s.api.caPem, headers: { authorization: `Bearer ${s.api.token}` } };
    const req = request(o, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const status = (code: number, reason: string, message: string): Record<string, unknown> => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
const POD = '/api/v1/namespaces/default/pods';
const SVC = '/api/v1/namespaces/default/services';

describe('proxy and log subresources', () => {
  let s: PodsStack;
  beforeAll(async () => {
    s = await startPodsStack();
    await s.core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'kubia-public' }, spec: { selector: { app: 'kubia' }, ports: [{ port: 80, targetPort: 8080 }] } } });
    await s.core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'nobody' }, spec: { selector: { app: 'none' }, ports: [{ port: 80, targetPort: 8080 }] } } });
    await s.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'pending' }, spec: { nodeName: 'no-such-node', containers: [{ name: 'c', image: 'luksa/kubia' }] } } });
    await s.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'two' }, spec: { containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }], initContainers: [{ name: 'i', image: 'busybox' }] } } });
    await s.ready('kubia-1');
  }, 40_000);
  afterAll(async () => {
    await s?.stop();
    if (s) await rm(s.dataDir, { recursive: true, force: true });
  });

  it('proxies to kubia-0 with the exact bodies, POST included', async () => {
    expect(await call(s, 'GET', `${POD}/kubia-0/proxy/`)).toMatchObject({ status: 200, body: "You've hit kubia-0\nData stored on this pod: No data posted yet\n" });
    expect(await call(s, 'POST', `${POD}/kubia-0/proxy/`, 'Hey there! This greeting was submitted to kubia-0.')).toMatchObject({ status: 200, body: 'Data stored on pod kubia-0\n' });
    expect((await call(s, 'GET', `${POD}/kubia-0:8080/proxy/`)).body).toBe("You've hit kubia-0\nData stored on this pod: Hey there! This greeting was submitted to kubia-0.\n");
    expect((await call(s, 'GET', `${POD}/http:kubia-0:8080/proxy/x?y=1`)).status).toBe(200);
  });

  it('redirects a bare .../proxy to .../proxy/', async () => {
    const r = await call(s, 'GET', `${POD}/kubia-0/proxy?a=b`);
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`${POD}/kubia-0/proxy/?a=b`);
  });

  it('streams a 10 MB POST through to the pod\'s file', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 'x');
    expect((await call(s, 'POST', `${POD}/kubia-1/proxy/`, big)).body).toBe('Data stored on pod kubia-1\n');
    const r = await call(s, 'GET', `${POD}/kubia-1/proxy/`);
    expect(r.body.length).toBe("You've hit kubia-1\nData stored on this pod: \n".length + big.length);
  });

  it('the service proxy reaches a ready endpoint', async () => {
    await waitFor('kubia-public endpoints', async () => (await call(s, 'GET', `${SVC}/kubia-public/proxy/`)).status === 200);
    const r = await call(s, 'GET', `${SVC}/kubia-public/proxy/`);
    expect(r.body).toMatch(/^You've hit kubia-[01]\nData stored on this pod: /);
    expect((await call(s, 'GET', `${SVC}/kubia-public:80/proxy/`)).status).toBe(200);
  });

  it.each([
    [`${POD}/nope/proxy/`, 404, 'NotFound', 'pods "nope" not found'],
    [`${POD}/a:b:c:d/proxy/`, 400, 'BadRequest', 'invalid pod request "a:b:c:d"'],
    [`${POD}/ftp:kubia-0:80/proxy/`, 400, 'BadRequest', 'invalid pod request "ftp:kubia-0:80"'],
    [`${POD}/pending/proxy/`, 400, 'BadRequest', 'address not allowed'],
    [`${POD}/kubia-0:9999/proxy/`, 503, 'ServiceUnavailable', 'error trying to reach service: dial tcp IP:9999: connect: connection refused'],
    [`${SVC}/nope/proxy/`, 404, 'NotFound', 'services "nope" not found'],
    [`${SVC}/kubia-public:81/proxy/`, 503, 'ServiceUnavailable', 'no service port 81 found for service "kubia-public"'],
    [`${SVC}/kubia-public:web/proxy/`, 503, 'ServiceUnavailable', 'no endpoints available for service "kubia-public:web"'],
    [`${SVC}/nobody/proxy/`, 503, 'ServiceUnavailable', 'no endpoints available for service "nobody"'],
  ])('%s: %i %s', async (path, code, reason, message) => {
    const ip = (await s.core.readNamespacedPod({ name: 'kubia-0', namespace: 'default' })).status?.podIP ?? '';
    const r = await call(s, 'GET', path);
    expect(r.status).toBe(code);
    expect(JSON.parse(r.body)).toMatchObject(status(code, reason, message.replace('IP', ip)));
  });

  it('logs: the POST line, with timestamps, tail and limit', async () => {
    expect(await call(s, 'GET', `${POD}/kubia-0/log`)).toMatchObject({ status: 200, body: 'New data has been received and stored.\n' });
    expect((await call(s, 'GET', `${POD}/kubia-0/log?container=kubia&timestamps=true`)).body).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z New data has been received and stored\.\n$/);
    expect((await call(s, 'GET', `${POD}/kubia-0/log?tailLines=0`)).body).toBe('');
    expect((await call(s, 'GET', `${POD}/kubia-0/log?limitBytes=3`)).body).toBe('New');
    expect((await call(s, 'GET', `${POD}/kubia-0/log?sinceSeconds=3600`)).body).toBe('New data has been received and stored.\n');
  });

  it.each([
    [`${POD}/nope/log`, 404, 'NotFound', 'pods "nope" not found'],
    [`${POD}/kubia-0/log?container=x`, 400, 'BadRequest', 'container x is not valid for pod kubia-0'],
    [`${POD}/two/log`, 400, 'BadRequest', 'a container name must be specified for pod two, choose one of: [i a b]'],
    [`${POD}/kubia-0/log?previous=true`, 400, 'BadRequest', 'previous terminated container "kubia" in pod "kubia-0" not found'],
    [`${POD}/kubia-0/log?tailLines=-1`, 422, 'Invalid', 'PodLogOptions "kubia-0" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0'],
    [`${POD}/kubia-0/log?sinceSeconds=0`, 422, 'Invalid', 'PodLogOptions "kubia-0" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0'],
    [`${POD}/kubia-0/log?limitBytes=0`, 422, 'Invalid', 'PodLogOptions "kubia-0" is invalid: limitBytes: Invalid value: 0: must be greater than 0'],
  ])('%s: %i %s', async (path, code, reason, message) => {
    const r = await call(s, 'GET', path);
    expect(r.status).toBe(code);
    expect(JSON.parse(r.body)).toMatchObject(status(code, reason, message));
  });

  it('a log of a pod without a node is 204', async () => {
    await s.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'unscheduled' }, spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'luksa/kubia' }] } } });
    expect(await call(s, 'GET', `${POD}/unscheduled/log`)).toMatchObject({ status: 204, body: '' });
  });

  it('follow streams new lines and ends when the container stops', async () => {
    const lines: string[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      const req = request({ host: s.api.host, port: s.api.port, path: `${POD}/kubia-1/log?follow=true`, ca: s.api.caPem, headers: { authorization: `Bearer ${s.api.token}` } }, (res) => {
        res.on('data', (c: Buffer) => lines.push(c.toString()));
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    await waitFor('the first line', async () => lines.join('').includes('stored.'));
    await call(s, 'POST', `${POD}/kubia-1/proxy/`, 'second');
    await waitFor('the second line', async () => lines.join('') === 'New data has been received and stored.\n'.repeat(2));
    await s.core.deleteNamespacedPod({ name: 'kubia-1', namespace: 'default' });
    await ended;
  });
});
