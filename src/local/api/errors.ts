/**
 * @module API errors as meta/v1 Status objects. Every failure of the embedded server is an
 * ApiError; one function (`toStatus`) turns it into the wire form, mirroring
 * k8s.io/apimachinery/pkg/api/errors (NewNotFound, NewAlreadyExists, NewConflict, NewInvalid...).
 */

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export function toStatus(err: ApiError): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message, reason: err.reason, code: err.code };
  if (err.details) s.details = err.details;
  return s;
}

/** A 200 Status, as returned by DELETE of some resources (namespaces use the object instead). */
export function successStatus(details: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

/** `pods "web-0"` or `statefulsets.apps "web"`: the qualified resource as upstream prints it. */
export function qualified(group: string, plural: string): string {
  return group === '' ? plural : `${plural}.${group}`;
}

export function notFound(group: string, plural: string, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(group, plural)} "${name}" not found`, { name, group: group || undefined, kind: plural });
}

export function alreadyExists(group: string, plural: string, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualified(group, plural)} "${name}" already exists`, { name, group: group || undefined, kind: plural });
}

export function conflict(group: string, plural: string, name: string, why: string): ApiError {
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(group, plural)} "${name}": ${why}`, {
    name, group: group || undefined, kind: plural,
  });
}

/** 422 Invalid: `StatefulSet.apps "web" is invalid: spec.selector: Required value`. */
export function invalid(group: string, kind: string, name: string, causes: StatusCause[]): ApiError {
  const gk = group === '' ? kind : `${kind}.${group}`;
  const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const msg = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${gk} "${name}" is invalid: ${msg}`, { name, group: group || undefined, kind, causes });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(message = 'the server does not allow this method on the requested resource'): ApiError {
  return new ApiError(405, 'MethodNotAllowed', message);
}

export function gone(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function unsupportedMediaType(type: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${type})`);
}

export function forbidden(message: string): ApiError {
  return new ApiError(403, 'Forbidden', message);
}
