/**
 * @module The seam to src/local/kubectl (pure modules owned by another component): patches,
 * Table printing, and, loaded at start when present, protobuf body decoding, OpenAPI documents
 * and unknown-field detection. A missing optional module degrades to a clear 415/404, never a crash.
 */
import { applyPatch, PatchError, type PatchType } from '../kubectl/patch.ts';
import { toTable, parseIncludeObject, type IncludeObject } from '../kubectl/table.ts';

export { applyPatch, PatchError, toTable, parseIncludeObject };
export type { PatchType, IncludeObject };

export interface OptionalSeams {
  decodeProtobufBody?: (buf: Buffer, resource: string) => object;
  openapiV2?: () => { json: object; protobuf: Buffer };
  openapiV3Index?: () => object;
  openapiV3?: (groupVersionPath: string) => object | undefined;
  validateFields?: (resource: string, obj: object) => string[];
}

async function tryImport(rel: string): Promise<Record<string, unknown>> {
  try {
    return (await import(new URL(rel, import.meta.url).href)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function fn<T>(mod: Record<string, unknown>, name: string): T | undefined {
  return typeof mod[name] === 'function' ? (mod[name] as T) : undefined;
}

/** Load the optional kubectl modules; each is independent and may be absent. */
export async function loadOptionalSeams(): Promise<OptionalSeams> {
  const [pb, oa, val] = await Promise.all([
    tryImport('../kubectl/protobuf.ts'),
    tryImport('../kubectl/openapi.ts'),
    tryImport('../kubectl/validate.ts'),
  ]);
  const out: OptionalSeams = {};
  const set = <K extends keyof OptionalSeams>(k: K, v: OptionalSeams[K] | undefined): void => { if (v) out[k] = v; };
  set('decodeProtobufBody', fn(pb, 'decodeProtobufBody'));
  set('openapiV2', fn(oa, 'openapiV2'));
  set('openapiV3Index', fn(oa, 'openapiV3Index'));
  set('openapiV3', fn(oa, 'openapiV3'));
  set('validateFields', fn(val, 'validateFields') ?? fn(oa, 'validateFields'));
  return out;
}
