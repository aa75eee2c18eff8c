import { z } from 'zod';
import { keyRotationViewSchema, keyValueUpdateSchema, keyValueViewSchema } from '../../contract/key-value-view-schemas';
import type { ApiRouter } from './api';
import type { KeyValueKind } from '../secrets/key-value-source';
import type { KeyValueService } from '../secrets/key-value-service';
import { KEY_VALUE_APIS, SECRET_KEYS_API } from '../../contract/key-value-view';
import { booleanFlag, deletedSchema } from './common-schemas';

/** Items are checked by the service, which names the key at fault; the document says what it takes. */
const dataSchema = z.unknown().meta({
  type: 'object',
  additionalProperties: { type: 'string' },
  description: "The items, KEY: value: a secret's values in base64, a configmap's as they are.",
});
const createSchema = z.object({ name: z.string(), data: dataSchema });
const updateSchema = z.object({ data: dataSchema, merge: z.boolean().optional().describe('true: keep the keys not given') });
const objectAnswer = z.object({ object: keyValueViewSchema });

/**
 * Secrets and configmaps (docs/secrets.md) at `/api/v1/secrets` and `/api/v1/configmaps`, a secret's values
 * in base64. Each user sees only their own: another's answers 404 like a missing one.
 */
export function registerKeyValueRoutes(router: ApiRouter, deps: { keyValues: KeyValueService }): void {
  const { keyValues } = deps;
  for (const kind of Object.keys(KEY_VALUE_APIS) as KeyValueKind[]) {
    const base = KEY_VALUE_APIS[kind];
    const one = `${base}/:name`;
    const tag = kind === 'Secret' ? 'secrets' : 'configmaps';
    const noun = kind === 'Secret' ? 'secret' : 'configmap';

    router.on(
      { method: 'POST', path: base, tag, summary: `Create a ${noun}`, body: createSchema, responses: { 201: objectAnswer } },
      async ({ user, body, reply }) => {
        const { name, data } = await body();
        reply(201, { object: await keyValues.create(user, kind, name, data) });
      },
    );

    router.on(
      {
        method: 'GET',
        path: base,
        tag,
        summary: `The caller's ${noun}s: names and item counts`,
        responses: { 200: z.object({ objects: z.array(keyValueViewSchema) }) },
      },
      async ({ user, reply }) => {
        reply(200, { objects: await keyValues.list(user, kind) });
      },
    );

    router.on(
      {
        method: 'GET',
        path: one,
        tag,
        summary: `One ${noun}: its keys, and its values when asked`,
        query: z.object({ values: booleanFlag.describe('true: the values too') }),
        responses: { 200: objectAnswer },
      },
      async ({ user, params: { name = '' }, query, reply }) => {
        reply(200, { object: await keyValues.get(user, kind, name, query.values) });
      },
    );

    router.on(
      {
        method: 'PUT',
        path: one,
        tag,
        summary: `Replace (or merge into) a ${noun}'s items: a new version`,
        body: updateSchema,
        responses: { 200: keyValueUpdateSchema },
      },
      async ({ user, params: { name = '' }, body, reply }) => {
        const { data, merge = false } = await body();
        reply(200, await keyValues.update(user, kind, name, data, merge));
      },
    );

    router.on(
      { method: 'DELETE', path: one, tag, summary: `Delete a ${noun}`, responses: { 200: deletedSchema } },
      async ({ user, params: { name = '' }, reply }) => {
        await keyValues.delete(user, kind, name);
        reply(200, { deleted: name });
      },
    );
  }

  router.on(
    {
      method: 'POST',
      path: SECRET_KEYS_API,
      tag: 'secrets',
      summary: 'Make a new secret key and seal every secret with it again (admin only)',
      responses: { 201: keyRotationViewSchema },
    },
    async ({ user, reply }) => {
      reply(201, await keyValues.rotateKey(user));
    },
  );
}
