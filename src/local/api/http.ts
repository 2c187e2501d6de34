/**
 * @module HTTP plumbing: bounded body reading, body decoding by Content-Type (JSON, YAML,
 * protobuf through src/local/kubectl's decoder), and writing JSON / Status responses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest, toStatus, unsupportedMediaType } from './errors.ts';

export const DEFAULT_MAX_BODY = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      req.resume();
      reject(new ApiError(413, 'RequestEntityTooLarge', `the request body is too large: limit is ${max} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > max) {
        failed = true;
        reject(new ApiError(413, 'RequestEntityTooLarge', `the request body is too large: limit is ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => { if (!failed) resolve(Buffer.concat(chunks)); });
    req.on('error', (err) => { if (!failed) reject(err); });
  });
}

export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Decode a create/update body. Protobuf needs the resource's decoder; where none is given it is 415. */
export function decodeBody(buf: Buffer, contentType: string | undefined, protobuf?: (b: Buffer) => object): unknown {
  const type = mediaType(contentType);
  if (buf.length === 0) throw badRequest('the request body is empty');
  if (type === 'application/vnd.kubernetes.protobuf') {
    if (!protobuf) throw unsupportedMediaType(type);
    try {
      return protobuf(buf);
    } catch (err) {
      throw badRequest(`unable to decode protobuf body: ${(err as Error).message}`);
    }
  }
  const text = buf.toString('utf8');
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') {
    try {
      return parseYaml(text, { maxAliasCount: 100 }) as unknown;
    } catch (err) {
      throw badRequest(`error converting YAML to JSON: ${(err as Error).message}`);
    }
  }
  if (type === '' || type === 'application/json' || type === '*/*') {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
    }
  }
  throw unsupportedMediaType(type);
}

export function sendJson(res: ServerResponse, code: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', ...extraHeaders });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) { res.destroy(); return; }
  sendJson(res, err.code, toStatus(err));
}

/** Wrap anything thrown into an ApiError: unexpected errors are 500 InternalError, never a crash. */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
}
