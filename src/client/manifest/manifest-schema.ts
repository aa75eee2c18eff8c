import { z } from 'zod';

/**
 * The schema of `app.yaml` (docs/manifest.md). Objects are strict, so a misspelt field
 * is an error that names it rather than a setting silently ignored.
 */

export const MANIFEST_VERSION = 'everai/v1alpha1';
export const MANIFEST_KIND = 'App';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const objectName = z.string().max(63, 'must be at most 63 characters').regex(DNS_LABEL, 'must be a lowercase DNS label (a-z, 0-9 and -)');
const key = z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, 'must be a key of letters, digits, -, _ and .');
const port = z.number().int('must be a whole number').min(1, 'must be a TCP port (1-65535)').max(65535, 'must be a TCP port (1-65535)');

/** Registry credentials only ever come from a secret: written here in plain, they would be stored in plain. */
const pullCredential = z.strictObject(
  { valueFrom: z.strictObject({ secretKeyRef: z.strictObject({ name: objectName, key }) }) },
  {
    error:
      'must be valueFrom.secretKeyRef {name, key}: keep credentials in a secret (`everai secret create NAME --from-literal username=... --from-literal password=...`), never in app.yaml',
  },
);

const configMapKeyRef = z.strictObject({
  valueFrom: z.strictObject({ configMapKeyRef: z.strictObject({ name: objectName, key }) }),
});

const mountPath = z
  .string()
  .regex(/^\/?[^\0]+$/, 'must be a path such as /models')
  .refine((path) => !path.split('/').includes('..'), "must not contain '..'")
  .refine((path) => path.split('/').some((part) => part !== '' && part !== '.'), 'must name a folder, not the root');

export const manifestSchema = z.strictObject({
  version: z.literal(MANIFEST_VERSION, { message: `must be ${MANIFEST_VERSION}` }),
  kind: z.literal(MANIFEST_KIND, { message: `must be ${MANIFEST_KIND}` }),
  metadata: z.strictObject({
    name: objectName,
    namespace: objectName.optional(),
  }),
  spec: z.strictObject({
    image: z.string().min(1, 'must name an image, e.g. my-app:v1'),
    imagePullSecrets: z.strictObject({ username: pullCredential, password: pullCredential }).optional(),
    /** Like Kubernetes: `command` replaces the image's Entrypoint, `args` its Cmd. A string runs with `sh -c`. */
    command: z
      .union([z.string().min(1), z.array(z.string()).min(1, 'must not be empty')], { message: 'must be a command line string or a list of strings' })
      .optional(),
    args: z.array(z.string(), { message: 'must be a list of strings' }).optional(),
    env: z.array(z.strictObject({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), value: z.string() })).default([]),
    port: port.optional(),
    services: z.array(z.strictObject({ port })).max(16).optional(),
    readinessProbe: z.strictObject({ httpGet: z.strictObject({ path: z.string().startsWith('/', 'must start with /') }) }).optional(),
    volumeMounts: z
      .array(z.strictObject({ name: objectName, mountPath, readOnly: z.literal(true, { message: 'mounts are read-only: leave readOnly out or set it to true' }).optional() }))
      .default([]),
    volumes: z
      .array(
        z.strictObject({
          name: objectName,
          volume: z.strictObject({ volume: z.string().regex(/^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a volume name, or OWNER/NAME') }).optional(),
          secret: z.strictObject({ secretName: objectName }).optional(),
          configMap: z.strictObject({ name: objectName }).optional(),
        }),
      )
      .default([]),
    resource: z
      .strictObject({
        cpu: z.number().positive().optional(),
        memory: z.union([z.number().int().positive(), z.string()]).optional(),
        gpu: z.number().int().min(0).optional(),
        gpuConstraints: z.strictObject({ models: z.array(z.string().min(1)) }).optional(),
      })
      .optional(),
    autoscaler: z
      .strictObject({
        builtin: z
          .strictObject({
            name: z.enum(['SimpleAutoScaler', 'FreeWorkerAutoScaler']),
            arguments: z.record(z.string(), z.union([z.number(), configMapKeyRef])).default({}),
          })
          .optional(),
        manual: z.strictObject({ defaultWorkerNum: z.number().int().min(0) }).optional(),
      })
      .optional(),
    routeAuth: z.enum(['private', 'public']).optional(),
    concurrency: z.number().int().min(1).max(1000).optional(),
    readyTimeoutSeconds: z.number().int().min(1).max(24 * 3600).optional(),
    maxDrainSeconds: z.number().int().min(1).max(7 * 24 * 3600).optional(),
  }),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestSpec = Manifest['spec'];
