/**
 * @module Request bodies in `application/vnd.kubernetes.protobuf` (work in progress).
 */

/** A protobuf body that cannot be decoded; the API server answers 400 or 415 with the message. */
export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
}

/** Decode a Kubernetes protobuf request body into the plain JSON object it stands for. */
export function decodeProtobufBody(buf: Buffer, resource: string): object {
  throw new ProtobufError(`protobuf bodies are not supported yet (${resource}, ${buf.length} bytes)`);
}
