/** The part of OpenAPI 3.1 (and its JSON Schema 2020-12 dialect) the services' documents use. */

export type JsonSchemaType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

export interface SchemaObject {
  $ref?: string;
  type?: JsonSchemaType | JsonSchemaType[];
  description?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: boolean | SchemaObject;
  propertyNames?: SchemaObject;
  items?: SchemaObject;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  oneOf?: SchemaObject[];
  anyOf?: SchemaObject[];
  allOf?: SchemaObject[];
}

export interface Reference {
  $ref: string;
}

export interface MediaTypes {
  [mediaType: string]: { schema: SchemaObject };
}

export interface HeaderObject {
  description?: string;
  schema: SchemaObject;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject>;
  content?: MediaTypes;
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: SchemaObject;
}

export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<ParameterObject | Reference>;
  requestBody?: { required: boolean; content: MediaTypes };
  responses: Record<string, ResponseObject | Reference>;
}

export type HttpMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';
export type PathItem = Partial<Record<HttpMethod, OperationObject>>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string };
  servers?: Array<{ url: string }>;
  security?: Array<Record<string, string[]>>;
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, PathItem>;
  components: {
    securitySchemes: Record<
      string,
      { type: 'http'; scheme: string; description?: string } | { type: 'apiKey'; in: 'header'; name: string }
    >;
    parameters: Record<string, ParameterObject>;
    responses: Record<string, ResponseObject>;
    schemas: Record<string, SchemaObject>;
  };
}
