import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeProtobufBody, ProtobufError } from '../../../src/local/kubectl/protobuf.ts';

// Bodies captured from kubectl 1.32 (`kubectl create namespace|service …`) with a stub server.
const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

const captured: { file: string; resource: string; want: object }[] = [
  { file: 'create-namespace-foo.pb', resource: 'namespaces', want: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'foo' } } },
  { file: 'create-namespace-ns-x.pb', resource: 'namespaces', want: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns-x' } } },
  { file: 'create-service-clusterip-svc-a.pb', resource: 'services', want: {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-a', labels: { app: 'svc-a' } },
    spec: { type: 'ClusterIP', selector: { app: 'svc-a' }, ports: [
      { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
      { name: '443-https', protocol: 'TCP', port: 443, targetPort: 'https' },
    ] } } },
  { file: 'create-service-nodeport-svc-b.pb', resource: 'services', want: {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-b', labels: { app: 'svc-b' } },
    spec: { type: 'NodePort', selector: { app: 'svc-b' }, ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }] } } },
  { file: 'create-service-externalname-svc-c.pb', resource: 'services', want: {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-c', labels: { app: 'svc-c' } },
    spec: { type: 'ExternalName', selector: { app: 'svc-c' }, externalName: 'example.com' } } },
  { file: 'create-service-headless-svc-d.pb', resource: 'services', want: {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-d', labels: { app: 'svc-d' } },
    spec: { type: 'ClusterIP', selector: { app: 'svc-d' }, clusterIP: 'None' } } },
];

describe('decodeProtobufBody', () => {
  it.each(captured)('decodes $file', ({ file, resource, want }) => {
    expect(decodeProtobufBody(fixture(file), resource)).toEqual(want);
  });

  it('decodes timestamps, pointer fields and DeleteOptions', () => {
    const root = protobuf.parse(`syntax = "proto2";
      message Pre { optional string uid = 1; }
      message Del { optional int64 gracePeriodSeconds = 1; optional Pre preconditions = 2; optional string propagationPolicy = 4; repeated string dryRun = 5; }
      message T { optional int64 seconds = 1; optional int32 nanos = 2; }
      message Meta { optional string name = 1; optional T creationTimestamp = 8; optional int64 deletionGracePeriodSeconds = 10; }
      message Ns { optional Meta metadata = 1; }
      message TM { optional string apiVersion = 1; optional string kind = 2; }
      message U { optional TM typeMeta = 1; optional bytes raw = 2; }`).root;
    const wrap = (apiVersion: string, kind: string, raw: Uint8Array): Buffer => {
      const U = root.lookupType('U');
      return Buffer.concat([Buffer.from('k8s\0', 'latin1'), U.encode(U.fromObject({ typeMeta: { apiVersion, kind }, raw })).finish()]);
    };
    const Ns = root.lookupType('Ns');
    const ns = Ns.encode(Ns.fromObject({ metadata: { name: 'x', creationTimestamp: { seconds: 1779548400 }, deletionGracePeriodSeconds: 0 } })).finish();
    expect(decodeProtobufBody(wrap('v1', 'Namespace', ns), 'namespaces')).toEqual({
      apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', creationTimestamp: '2026-05-23T15:00:00Z', deletionGracePeriodSeconds: 0 },
    });
    const Del = root.lookupType('Del');
    const del = Del.encode(Del.fromObject({ gracePeriodSeconds: 0, preconditions: { uid: 'u-1' }, propagationPolicy: 'Background', dryRun: ['All'] })).finish();
    expect(decodeProtobufBody(wrap('meta.k8s.io/v1', 'DeleteOptions', del), 'pods')).toEqual({
      apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: 'u-1' }, propagationPolicy: 'Background', dryRun: ['All'],
    });
  });

  const good = fixture('create-namespace-foo.pb');
  const bad: { name: string; buf: Buffer; resource: string; message: RegExp; unsupported: boolean }[] = [
    { name: 'no magic', buf: Buffer.from('{"kind":"Namespace"}'), resource: 'namespaces', message: /magic/, unsupported: false },
    { name: 'empty body', buf: Buffer.alloc(0), resource: 'namespaces', message: /magic/, unsupported: false },
    { name: 'truncated envelope', buf: good.subarray(0, 20), resource: 'namespaces', message: /malformed/, unsupported: false },
    { name: 'kind sent to the wrong resource', buf: good, resource: 'services', message: /cannot be sent to services/, unsupported: false },
    { name: 'unknown kind', buf: Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0x0b, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x05, ...Buffer.from('Thing')])]),
      resource: 'things', message: /kind "Thing" are not supported/, unsupported: true },
  ];
  it.each(bad)('rejects $name with a ProtobufError', ({ buf, resource, message, unsupported }) => {
    let err: unknown;
    try { decodeProtobufBody(buf, resource); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ProtobufError);
    expect((err as Error).message).toMatch(message);
    expect((err as ProtobufError).unsupported).toBe(unsupported);
  });
});
