import { z } from 'zod';

/**
 * The parts of an app request that say what a manifest app's workers run (docs/manifest.md),
 * and the image's pull credentials (either mode). The CLI sends them after its own checks of
 * `app.yaml`; the server checks them again here, as it trusts no client.
 */

const objectName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).max(63);
const port = z.number().int().min(1).max(65535);

/** Credentials only by reference: a plain string here would be stored in plain in the app's revision. */
const credentialSchema = z.strictObject(
  {
    placeholder: z.strictObject({ kind: z.enum(['Secret', 'ConfigMap']), name: objectName, key: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/) }),
  },
  { error: 'registry credentials must come from a secret (a Placeholder of kind Secret), never in plain text' },
);

export const imageAuthSchema = z.strictObject({ username: credentialSchema, password: credentialSchema });

/** A path relative to the worker's folder (a leading `/` means the same): no `..`, not the folder itself. */
const mountPathSchema = z
  .string()
  .max(4096)
  .refine((path) => !path.split('/').includes('..') && !path.includes('\0'), "must not contain '..'")
  .refine((path) => path.split('/').some((part) => part !== '' && part !== '.'), 'must name a folder, not the root')
  .transform((path) => path.split('/').filter((part) => part !== '' && part !== '.').join('/'));

export const mountRequestSchema = z.strictObject({
  mountPath: mountPathSchema,
  kind: z.enum(['volume', 'Secret', 'ConfigMap']),
  name: z.string().min(1).max(128),
});

export const programRequestSchema = z.strictObject({
  /** Null: the image's Entrypoint; `args` null: the image's Cmd (only when `command` is null too). */
  command: z.array(z.string()).min(1).nullable(),
  args: z.array(z.string()).nullable(),
  /** The port the gateway sends requests to; the worker gets its real one in PORT. */
  port: port.default(80),
  /** Every port the program listens on, the main one included (the manifest's `services`). */
  servicePorts: z.array(port).max(16).default([]),
  /** Ready once this path answers 200; null: once the port accepts connections. */
  readinessPath: z.string().startsWith('/').max(2048).nullable().default(null),
});

export const programFieldsSchema = {
  program: programRequestSchema.nullable().default(null),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.string().max(128 * 1024))
    .default({}),
  mounts: z.array(mountRequestSchema).max(64).default([]),
  imageAuth: imageAuthSchema.nullable().default(null),
};

export type ProgramRequest = z.infer<typeof programRequestSchema>;
export type MountRequest = z.infer<typeof mountRequestSchema>;
export type ImageAuthRequest = z.infer<typeof imageAuthSchema>;
