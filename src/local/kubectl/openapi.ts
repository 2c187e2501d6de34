/**
 * @module OpenAPI documents for kubectl (work in progress).
 */

/** /openapi/v2: the JSON document and its gnostic protobuf encoding. */
export function openapiV2(): { json: object; protobuf: Buffer } {
  return { json: { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.36.0' }, paths: {}, definitions: {} }, protobuf: Buffer.alloc(0) };
}

/** /openapi/v3: the index of group-version documents. */
export function openapiV3Index(): object {
  return { paths: {} };
}

/** /openapi/v3/<path>, e.g. `api/v1` or `apis/apps/v1`; undefined for unknown paths. */
export function openapiV3(groupVersionPath: string): object | undefined {
  return groupVersionPath === '' ? undefined : undefined;
}

/** Paths of fields of `obj` that the schema of `resource` does not declare (for fieldValidation). */
export function validateFields(resource: string, obj: object): string[] {
  return resource === '' || obj === null ? [] : [];
}
