/**
 * @module What kubectl needs from the embedded API server, as pure functions the server calls:
 * PATCH semantics, server-side Table printing, protobuf request bodies, OpenAPI documents and
 * strict field validation. See each module for the upstream behaviour it follows.
 */
export { applyPatch, mergePatch, PatchError, type PatchType } from './patch.ts';
export { toTable, columnsOf, parseIncludeObject, type Table, type TableOptions, type IncludeObject } from './table.ts';
export { decodeProtobufBody, ProtobufError, PROTOBUF_CONTENT_TYPE } from './protobuf.ts';
export { openapiV2, openapiV3, openapiV3Index, groupVersionPath } from './openapi.ts';
export { validateFields, typeForResource } from './validate.ts';
export { humanDuration } from './age.ts';
