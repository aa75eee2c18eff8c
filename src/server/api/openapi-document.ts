import { z } from 'zod';
import { errorBodySchema } from '../../contract/api-view-schemas';
import { VERSION } from '../../contract/version';
import { isRawContent, type RawContent, type RouteSpec } from '../http/route-spec';

/** Where the server serves the document (docs/api.md). */
export const OPENAPI_PATH = '/api/openapi.json';

type Json = Record<string, unknown>;

/** A path parameter as the router reads it: `:name` or `*name` at a segment's start (any other `:` is literal). */
const PATH_PARAMETER = /(?<=\/)[:*]([a-zA-Z]+)/g;

const ZOD_ONLY_FORMATS = new Set(['starts_with', 'ends_with', 'includes']);

/**
 * The API as an OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0), generated from the
 * router's table: each route's spec and the zod schemas the server validates requests with and
 * takes its answers' types from. Schemas with an `id` (the views) become components; the rest
 * are written in place. Requests are described as the server takes them (zod's input side:
 * defaults make a field optional), answers as it sends them (the output side).
 */
export function openApiDocument(specs: readonly RouteSpec[]): Json {
  const components: Record<string, Json> = {};
  const toJson = (schema: z.ZodType, io: 'input' | 'output') => jsonSchema(schema, io, components);
  const paths: Record<string, Record<string, Json>> = {};
  for (const spec of specs) {
    const path = spec.path.replace(PATH_PARAMETER, (_, name: string) => `{${name}}`);
    (paths[path] ??= {})[spec.method.toLowerCase()] = operation(spec, toJson);
  }
  const errorRef = { $ref: '#/components/responses/Error' };
  for (const operations of Object.values(paths)) {
    for (const op of Object.values(operations)) Object.assign(op.responses as Json, { '4XX': errorRef, '5XX': errorRef });
  }
  const errorSchema = toJson(errorBodySchema, 'output');
  return {
    openapi: '3.1.0',
    info: {
      title: 'everai API',
      version: VERSION,
      description: 'The platform API under /api (docs/api.md). A route needs `Authorization: Bearer TOKEN` unless its `security` is empty.',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    security: [{ bearer: [] }],
    tags: [...new Set(specs.map((s) => s.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      responses: { Error: { description: 'An error (docs/errors.md): its code says what went wrong', content: { 'application/json': { schema: errorSchema } } } },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A platform token (`everai_...`): `everai token -q` prints yours' } },
    },
  };
}

function operation(spec: RouteSpec, toJson: (schema: z.ZodType, io: 'input' | 'output') => Json): Json {
  const pathNames = [...spec.path.matchAll(PATH_PARAMETER)].map((m) => m[1] as string);
  const parameters = [
    ...pathNames.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    ...(spec.query ? parametersOf(toJson(spec.query, 'input'), 'query') : []),
    ...(spec.headers ? parametersOf(toJson(spec.headers, 'input'), 'header') : []),
  ];
  const responses = Object.fromEntries(Object.entries(spec.responses).map(([status, answer]) => [status, response(answer, toJson)]));
  return {
    operationId: operationId(spec),
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    ...(spec.auth === false ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    // The server reads no body as `{}`: a body whose every field may be left out may be too.
    ...(spec.body ? { requestBody: { required: !spec.body.safeParse({}).success, content: { 'application/json': { schema: toJson(spec.body, 'input') } } } } : {}),
    ...(spec.rawBody ? { requestBody: { required: true, description: spec.rawBody.description, content: rawContent(spec.rawBody, toJson) } } : {}),
    responses,
  };
}

function response(answer: z.ZodType | RawContent, toJson: (schema: z.ZodType, io: 'input' | 'output') => Json): Json {
  if (!isRawContent(answer)) {
    return { description: answer.description ?? 'OK', content: { 'application/json': { schema: toJson(answer, 'output') } } };
  }
  return { description: answer.description, ...(answer.contentType ? { content: rawContent(answer, toJson) } : {}) };
}

/** A non-JSON body: its media type, and for NDJSON the schema of a line (OpenAPI 3.1 has no itemSchema yet: it is the schema, described so). */
function rawContent(raw: RawContent, toJson: (schema: z.ZodType, io: 'input' | 'output') => Json): Json {
  const mediaType = (raw.contentType ?? '').split(';')[0] as string;
  return { [mediaType]: raw.itemSchema ? { schema: { ...toJson(raw.itemSchema, 'output'), description: 'Each line of the body is one of these' } } : {} };
}

/** An object schema's properties as parameters: its description lifted to the parameter. */
function parametersOf(object: Json, where: 'query' | 'header'): Json[] {
  const required = new Set((object.required as string[] | undefined) ?? []);
  return Object.entries((object.properties ?? {}) as Record<string, Json>).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return { name, in: where, required: required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

/** `POST /api/apps/v1/namespaces/:ns/apps/:name:upgrade` → `postNamespacesNsAppsNameUpgrade`: the path's words, without `/api` and versions. */
function operationId(spec: RouteSpec): string {
  const words = spec.path
    .split(/[/:*.-]/)
    .filter((word) => word && word !== 'api' && !/^v\d+$/.test(word))
    .map((word) => word[0]?.toUpperCase() + word.slice(1));
  return `${spec.method.toLowerCase()}${words.join('')}`;
}

/**
 * A zod schema as JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1). zod puts schemas that
 * have an `id` under `$defs`; they move to the document's components, and references follow them.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, Json>): Json {
  const converted = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    // zod names its string checks as formats (`starts_with`) no JSON Schema tool knows; the pattern beside says the same.
    override: ({ jsonSchema: json }) => {
      if (json.format && ZOD_ONLY_FORMATS.has(json.format)) delete json.format;
    },
  });
  const { $schema: _dialect, $defs, ...rest } = JSON.parse(JSON.stringify(converted).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json;
  for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, Json>)) {
    const known = components[id];
    if (known && JSON.stringify(known) !== JSON.stringify(def)) {
      throw new Error(`two different schemas are named '${id}' (one as a request takes it, one as an answer sends it?)`);
    }
    components[id] = def;
  }
  return rest;
}
