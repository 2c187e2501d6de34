/**
 * @module The protobuf form of /openapi/v2, which is the only form kubectl asks for
 * (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`). The message is the
 * gnostic `openapi.v2.Document`; the subset below keeps the public field numbers of
 * gnostic's OpenAPIv2.proto. Vendor extensions travel as YAML text in `Any.yaml`, which is
 * how kube-openapi reads them back (JSON is valid YAML).
 * kubectl uses this document for client-side validation, e.g. of `kind: List` files, for
 * which it never asks the server to validate.
 */
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto3";
package openapi.v2;
message Any { string yaml = 2; }
message NamedAny { string name = 1; Any value = 2; }
message Info { string title = 1; string version = 2; string description = 3; }
message TypeItem { repeated string value = 1; }
message ItemsItem { repeated Schema schema = 1; }
message NamedSchema { string name = 1; Schema value = 2; }
message Properties { repeated NamedSchema additional_properties = 1; }
message Definitions { repeated NamedSchema additional_properties = 1; }
message AdditionalPropertiesItem { oneof oneof { Schema schema = 1; bool boolean = 2; } }
message Schema {
  string _ref = 1; string format = 2; string title = 3; string description = 4;
  repeated string required = 19; AdditionalPropertiesItem additional_properties = 21; TypeItem type = 22;
  ItemsItem items = 23; repeated Schema all_of = 24; Properties properties = 25; repeated NamedAny vendor_extension = 31;
}
message BodyParameter { string description = 1; string name = 2; string in = 3; bool required = 4; Schema schema = 5; }
message QueryParameterSubSchema { bool required = 1; string in = 2; string description = 3; string name = 4; string type = 6; bool unique_items = 20; }
message PathParameterSubSchema { bool required = 1; string in = 2; string description = 3; string name = 4; string type = 5; bool unique_items = 19; }
message NonBodyParameter { oneof oneof { QueryParameterSubSchema query_parameter_sub_schema = 3; PathParameterSubSchema path_parameter_sub_schema = 4; } }
message Parameter { oneof oneof { BodyParameter body_parameter = 1; NonBodyParameter non_body_parameter = 2; } }
message ParametersItem { oneof oneof { Parameter parameter = 1; } }
message SchemaItem { oneof oneof { Schema schema = 1; } }
message Response { string description = 1; SchemaItem schema = 2; }
message ResponseValue { oneof oneof { Response response = 1; } }
message NamedResponseValue { string name = 1; ResponseValue value = 2; }
message Responses { repeated NamedResponseValue response_code = 1; }
message Operation {
  string description = 3; string operation_id = 5; repeated string produces = 6; repeated string consumes = 7;
  repeated ParametersItem parameters = 8; Responses responses = 9; repeated NamedAny vendor_extension = 13;
}
message PathItem {
  Operation get = 2; Operation put = 3; Operation post = 4; Operation delete = 5; Operation patch = 8;
  repeated ParametersItem parameters = 9;
}
message NamedPathItem { string name = 1; PathItem value = 2; }
message Paths { repeated NamedPathItem path = 2; }
message ApiKeySecurity { string type = 1; string name = 2; string in = 3; string description = 4; }
message SecurityDefinitionsItem { oneof oneof { ApiKeySecurity api_key_security = 2; } }
message NamedSecurityDefinitionsItem { string name = 1; SecurityDefinitionsItem value = 2; }
message SecurityDefinitions { repeated NamedSecurityDefinitionsItem additional_properties = 1; }
message StringArray { repeated string value = 1; }
message NamedStringArray { string name = 1; StringArray value = 2; }
message SecurityRequirement { repeated NamedStringArray additional_properties = 1; }
message Document {
  string swagger = 1; Info info = 2; Paths paths = 8; Definitions definitions = 9;
  repeated SecurityRequirement security = 12; SecurityDefinitions security_definitions = 13;
}
`;

type J = Record<string, unknown>;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
export const OpenapiV2Document = root.lookupType('openapi.v2.Document');

const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);

function extensions(o: J): J[] {
  return Object.entries(o).filter(([k]) => k.startsWith('x-')).map(([name, v]) => ({ name, value: { yaml: JSON.stringify(v) } }));
}

export function schemaToPb(s: J): J {
  const out: J = { vendor_extension: extensions(s) };
  if (typeof s.$ref === 'string') out._ref = s.$ref;
  for (const k of ['format', 'title', 'description'] as const) if (typeof s[k] === 'string') out[k] = s[k];
  if (typeof s.type === 'string') out.type = { value: [s.type] };
  if (Array.isArray(s.required)) out.required = s.required;
  if (isObj(s.items)) out.items = { schema: [schemaToPb(s.items)] };
  if (isObj(s.properties)) {
    out.properties = { additional_properties: Object.entries(s.properties).map(([name, v]) => ({ name, value: schemaToPb(v as J) })) };
  }
  if (isObj(s.additionalProperties)) out.additional_properties = { schema: schemaToPb(s.additionalProperties) };
  else if (typeof s.additionalProperties === 'boolean') out.additional_properties = { boolean: s.additionalProperties };
  return out;
}

function paramToPb(p: J): J {
  if (p.in === 'body') {
    return { parameter: { body_parameter: { name: p.name, in: 'body', required: p.required === true, schema: schemaToPb(p.schema as J) } } };
  }
  const sub = { name: p.name, in: p.in, description: p.description, type: p.type, required: p.required === true, unique_items: p.uniqueItems === true };
  const key = p.in === 'path' ? 'path_parameter_sub_schema' : 'query_parameter_sub_schema';
  return { parameter: { non_body_parameter: { [key]: sub } } };
}

function operationToPb(op: J): J {
  const responses = Object.entries(isObj(op.responses) ? op.responses : {}).map(([code, r]) => {
    const resp = r as J;
    const response: J = { description: resp.description };
    if (isObj(resp.schema)) response.schema = { schema: schemaToPb(resp.schema) };
    return { name: code, value: { response } };
  });
  return {
    description: op.description, operation_id: op.operationId, consumes: op.consumes ?? [],
    parameters: (Array.isArray(op.parameters) ? (op.parameters as J[]) : []).map(paramToPb),
    responses: { response_code: responses }, vendor_extension: extensions(op),
  };
}

function pathItemToPb(item: J): J {
  const out: J = { parameters: (Array.isArray(item.parameters) ? (item.parameters as J[]) : []).map(paramToPb) };
  for (const m of ['get', 'put', 'post', 'delete', 'patch']) if (isObj(item[m])) out[m] = operationToPb(item[m]);
  return out;
}

/** The JSON Swagger 2.0 document → gnostic protobuf bytes. */
export function encodeOpenapiV2(doc: object): Buffer {
  const d = doc as J;
  const secDefs = Object.entries(isObj(d.securityDefinitions) ? d.securityDefinitions : {}).map(([name, v]) => ({ name, value: { api_key_security: v } }));
  const security = (Array.isArray(d.security) ? (d.security as J[]) : []).map((req) => ({
    additional_properties: Object.entries(req).map(([name, v]) => ({ name, value: { value: v } })),
  }));
  const msg = {
    swagger: d.swagger,
    info: d.info,
    paths: { path: Object.entries(isObj(d.paths) ? d.paths : {}).map(([name, v]) => ({ name, value: pathItemToPb(v as J) })) },
    definitions: { additional_properties: Object.entries(isObj(d.definitions) ? d.definitions : {}).map(([name, v]) => ({ name, value: schemaToPb(v as J) })) },
    security,
    security_definitions: { additional_properties: secDefs },
  };
  const err = OpenapiV2Document.verify(msg);
  if (err) throw new Error(`openapi v2: ${err}`);
  return Buffer.from(OpenapiV2Document.encode(OpenapiV2Document.fromObject(msg)).finish());
}
