/**
 * @module Request bodies in `application/vnd.kubernetes.protobuf`, which kubectl's typed
 * generator commands send (`kubectl create namespace`, `kubectl create service …`).
 *
 * Wire layout (k8s.io/apimachinery runtime/serializer/protobuf): the 4-byte magic `k8s\0`,
 * then a runtime.Unknown { typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3,
 * contentType = 4 }, where `raw` is the object in its generated.proto encoding. The schema
 * below is a hand-written subset of the public k8s.io/api generated.proto field numbers,
 * checked against bytes captured from kubectl 1.32 (test/local/kubectl/fixtures).
 *
 * Go writes every non-pointer field, zero or not, and JSON omits zero values (`omitempty`):
 * so zero scalars are dropped, except for the pointer fields in KEEP_ZERO whose presence on
 * the wire means "set". Time {seconds, nanos} becomes RFC 3339; IntOrString becomes a number
 * or a string.
 */
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto2";
package k8s;
message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; optional string contentEncoding = 3; optional string contentType = 4; }
message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }
message OwnerReference {
  optional string kind = 1; optional string name = 3; optional string uid = 4; optional string apiVersion = 5;
  optional bool controller = 6; optional bool blockOwnerDeletion = 7;
}
message ObjectMeta {
  optional string name = 1; optional string generateName = 2; optional string namespace = 3; optional string selfLink = 4;
  optional string uid = 5; optional string resourceVersion = 6; optional int64 generation = 7; optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9; optional int64 deletionGracePeriodSeconds = 10; map<string, string> labels = 11;
  map<string, string> annotations = 12; repeated OwnerReference ownerReferences = 13; repeated string finalizers = 14;
}
message Condition {
  optional string type = 1; optional string status = 2; optional int64 observedGeneration = 3; optional Time lastTransitionTime = 4;
  optional string reason = 5; optional string message = 6;
}
message NamespaceSpec { repeated string finalizers = 1; }
message NamespaceStatus { optional string phase = 1; repeated Condition conditions = 2; }
message Namespace { optional ObjectMeta metadata = 1; optional NamespaceSpec spec = 2; optional NamespaceStatus status = 3; }
message ServicePort {
  optional string name = 1; optional string protocol = 2; optional int32 port = 3; optional IntOrString targetPort = 4;
  optional int32 nodePort = 5; optional string appProtocol = 6;
}
message ClientIPConfig { optional int32 timeoutSeconds = 1; }
message SessionAffinityConfig { optional ClientIPConfig clientIP = 1; }
message ServiceSpec {
  repeated ServicePort ports = 1; map<string, string> selector = 2; optional string clusterIP = 3; optional string type = 4;
  repeated string externalIPs = 5; optional string sessionAffinity = 7; optional string loadBalancerIP = 8;
  repeated string loadBalancerSourceRanges = 9; optional string externalName = 10; optional string externalTrafficPolicy = 11;
  optional int32 healthCheckNodePort = 12; optional bool publishNotReadyAddresses = 13;
  optional SessionAffinityConfig sessionAffinityConfig = 14; optional string ipFamilyPolicy = 17; repeated string clusterIPs = 18;
  repeated string ipFamilies = 19; optional bool allocateLoadBalancerNodePorts = 20; optional string loadBalancerClass = 21;
  optional string internalTrafficPolicy = 22; optional string trafficDistribution = 23;
}
message ServiceStatus { repeated Condition conditions = 2; }
message Service { optional ObjectMeta metadata = 1; optional ServiceSpec spec = 2; optional ServiceStatus status = 3; }
message Preconditions { optional string uid = 1; optional string resourceVersion = 2; }
message DeleteOptions {
  optional int64 gracePeriodSeconds = 1; optional Preconditions preconditions = 2; optional bool orphanDependents = 3;
  optional string propagationPolicy = 4; repeated string dryRun = 5; optional bool ignoreStoreReadErrorWithClusterBreakingPotential = 6;
}
`;

/** A protobuf body that cannot be decoded; the API server answers 400 (or 415 for unsupported kinds). */
export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
  /** True when the bytes are fine but the kind is not one this decoder knows. */
  readonly unsupported: boolean;
  constructor(message: string, unsupported = false) {
    super(message);
    this.unsupported = unsupported;
  }
}

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const root = protobuf.parse(PROTO, { keepCase: true }).root;
const Unknown = root.lookupType('k8s.Unknown');

/** Kinds this decoder understands, with the resource (plural) each is sent to. */
const KINDS: Readonly<Record<string, string>> = { Namespace: 'namespaces', Service: 'services', DeleteOptions: '' };

/** Pointer fields (`*T` in Go): present on the wire means set, even when zero. */
const KEEP_ZERO = new Set([
  'ObjectMeta.deletionGracePeriodSeconds', 'ServiceSpec.allocateLoadBalancerNodePorts', 'ServiceSpec.ipFamilyPolicy',
  'ServiceSpec.loadBalancerClass', 'ServiceSpec.internalTrafficPolicy', 'ServiceSpec.trafficDistribution',
  'ServicePort.appProtocol', 'ClientIPConfig.timeoutSeconds', 'DeleteOptions.gracePeriodSeconds', 'DeleteOptions.orphanDependents',
  'DeleteOptions.propagationPolicy', 'Preconditions.uid', 'Preconditions.resourceVersion',
  'DeleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential',
]);

type J = Record<string, unknown>;

/** Decode a Kubernetes protobuf request body into the JSON object it stands for. */
export function decodeProtobufBody(buf: Buffer, resource: string): object {
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ProtobufError('protobuf body does not start with the k8s\\0 magic prefix');
  }
  let envelope: J;
  try {
    envelope = Unknown.toObject(Unknown.decode(buf.subarray(MAGIC.length)), { longs: Number, bytes: Buffer }) as J;
  } catch (err) {
    throw new ProtobufError(`malformed protobuf envelope: ${(err as Error).message}`);
  }
  const typeMeta = (envelope.typeMeta ?? {}) as J;
  const kind = typeof typeMeta.kind === 'string' ? typeMeta.kind : '';
  const apiVersion = typeof typeMeta.apiVersion === 'string' ? typeMeta.apiVersion : '';
  if (envelope.contentEncoding) throw new ProtobufError(`unsupported protobuf content encoding ${String(envelope.contentEncoding)}`, true);
  const plural = resource.split('/')[0] ?? '';
  if (!(kind in KINDS)) throw new ProtobufError(`protobuf bodies of kind "${kind}" are not supported; send JSON`, true);
  if (KINDS[kind] !== '' && plural !== '' && KINDS[kind] !== plural) {
    throw new ProtobufError(`a ${kind} cannot be sent to ${resource}`);
  }
  const type = root.lookupType(`k8s.${kind}`);
  let raw: J;
  try {
    raw = type.toObject(type.decode((envelope.raw as Buffer | undefined) ?? Buffer.alloc(0)), { longs: Number }) as J;
  } catch (err) {
    throw new ProtobufError(`malformed ${kind} in protobuf body: ${(err as Error).message}`);
  }
  return { apiVersion, kind, ...(toJson(raw, type) as J) };
}

function toJson(value: J, type: protobuf.Type): J | undefined {
  const out: J = {};
  for (const [name, v] of Object.entries(value)) {
    const field = type.fields[name];
    if (!field) continue;
    const keep = KEEP_ZERO.has(`${type.name}.${name}`);
    const converted = convert(v, field, keep);
    if (converted !== undefined) out[name] = converted;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function convert(v: unknown, field: protobuf.Field, keep: boolean): unknown {
  if (field.map) {
    const m = v as J;
    return Object.keys(m).length > 0 ? m : undefined;
  }
  if (field.repeated) {
    const list = (v as unknown[]).map((e) => one(e, field, true)).filter((e) => e !== undefined);
    return list.length > 0 ? list : undefined;
  }
  return one(v, field, keep);
}

function one(v: unknown, field: protobuf.Field, keep: boolean): unknown {
  const rt = field.resolve().resolvedType;
  if (rt instanceof protobuf.Type) {
    if (rt.name === 'Time') return time(v as J);
    if (rt.name === 'IntOrString') return intOrString(v as J);
    return toJson(v as J, rt) ?? (keep ? {} : undefined);
  }
  if (!keep && (v === '' || v === 0 || v === false)) return undefined;
  return v;
}

function time(t: J): string | undefined {
  const seconds = Number(t.seconds ?? 0);
  const nanos = Number(t.nanos ?? 0);
  if (seconds === 0 && nanos === 0) return undefined;
  // metav1.Time marshals to RFC 3339 at second precision.
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function intOrString(v: J): number | string {
  return Number(v.type ?? 0) === 1 ? String(v.strVal ?? '') : Number(v.intVal ?? 0);
}
