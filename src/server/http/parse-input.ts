import { z } from 'zod';
import { EveraiError } from '../../contract/errors';

/** Validates a request body (or query), naming the field of the first problem: `spec.name: must be...`. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, where?: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = [...(where ? [where] : []), ...(issue?.path ?? [])].join('.') || 'body';
  throw new EveraiError('EVERAI_BAD_REQUEST', `${field}: ${issue?.message ?? 'invalid'}`);
}

/**
 * The query parameters `schema` names, validated: each a string, or every value given where the
 * schema takes an array (`command=ls&command=-l`). Others are ignored, as HTTP servers do.
 */
export function parseQuery<Q extends z.ZodObject>(schema: Q, params: URLSearchParams): z.output<Q> {
  const given: Record<string, string | string[]> = {};
  const fields: Record<string, z.ZodType> = schema.shape;
  for (const [name, field] of Object.entries(fields)) {
    const value = params.get(name);
    if (value === null) continue;
    given[name] = unwrapOptional(field) instanceof z.ZodArray ? params.getAll(name) : value;
  }
  return parseBody(schema, given, 'query') as z.output<Q>;
}

function unwrapOptional(field: z.ZodType): z.ZodType {
  return field instanceof z.ZodOptional || field instanceof z.ZodDefault ? unwrapOptional(field.unwrap() as z.ZodType) : field;
}
