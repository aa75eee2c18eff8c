import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

/**
 * What a route takes and answers, written next to its handler: the router checks requests with it
 * and the OpenAPI document (api/openapi-document.ts) is generated from it.
 */
export interface RouteSpec<
  Q extends QuerySchema | undefined = QuerySchema | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  R extends Answers = Answers,
> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `:name` is one segment, or its start (`:name:upgrade`); `*name` the rest of the path. */
  path: string;
  /** One line: what the route does. */
  summary: string;
  /** More, where the summary is not enough (markdown). */
  description?: string;
  /** The group the route belongs to in the document (`apps`, `volumes`...). */
  tag: string;
  /** False: no token needed; otherwise the router authenticates the caller before the handler runs. */
  auth?: false;
  /** The query parameters, each a string as it comes in the URL. */
  query?: Q;
  /** Request headers the route reads; documented only. */
  headers?: z.ZodObject;
  /** A JSON body, validated before the handler reads it. */
  body?: B;
  /** Where the body is not JSON (a blob upload): what it is. */
  rawBody?: RawContent;
  /** The largest JSON body taken, in bytes, where it is not the API's usual limit. */
  bodyLimit?: number;
  /** The answers besides errors, by status: a JSON body's schema, or what a non-JSON answer is. Every error is the Error schema. */
  responses: R;
}

/** A route's answers besides errors, by status. */
export type Answers = Readonly<Record<number, z.ZodType | RawContent>>;

/** A query: an object of optional strings (or enums of them), transformed as the handler needs. */
export type QuerySchema = z.ZodObject;

/** A body that is not one JSON document: bytes, lines, or none (a 101). */
export interface RawContent {
  description: string;
  /** Left out: no body. */
  contentType?: string;
  /** For NDJSON: the schema of each line. */
  itemSchema?: z.ZodType;
}

/** The statuses of `R` whose answer is JSON. */
type JsonStatus<R extends Answers> = { [S in keyof R]: R[S] extends z.ZodType ? S : never }[keyof R];

/**
 * What a handler gets: the caller, the request and response, the path's parameters, the query parsed, the
 * body once it asks (after its auth check), and `reply`, which sends a JSON answer the compiler
 * checks against the spec's schema for that status.
 */
export interface RouteContext<Q extends QuerySchema | undefined, B extends z.ZodType | undefined, R extends Answers, U> {
  /** Who called: the token's user, authenticated before the handler runs (undefined on a route without auth). */
  user: U;
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: Q extends QuerySchema ? z.output<Q> : Record<string, never>;
  body: () => Promise<B extends z.ZodType ? z.output<B> : never>;
  reply: <S extends JsonStatus<R>>(status: S, body: R[S] extends z.ZodType ? z.input<R[S]> : never) => void;
}

export function isRawContent(value: z.ZodType | RawContent): value is RawContent {
  return 'description' in value && !('_zod' in value);
}
