/**
 * Environment variables a worker's program reads, set by whichever runtime starts it. An image
 * built by `everai image build` runs the same under any OCI runtime that sets `PORT`.
 */

/** The TCP port the worker serves on. */
export const PORT_ENV = 'PORT';
/**
 * The address the SDK's worker binds. Unset, it binds every address (0.0.0.0), as a program in a
 * container must for its own network namespace to reach it; the process runtime, which shares the
 * machine's network, sets 127.0.0.1.
 */
export const LISTEN_HOST_ENV = 'EVERAI_LISTEN_HOST';

/**
 * What the platform gives a worker, as JSON in its environment (set by the runtime that starts
 * it; `everai app run` sets them from the local cache):
 * - `EVERAI_VOLUMES`: `{"NAME": {"path": "/…", "revision": "000001-08a", "ready": true}}`
 * - `EVERAI_SECRETS`, `EVERAI_CONFIGMAPS`: `{"NAME": {"KEY": "value"}}`
 */
export const VOLUMES_ENV = 'EVERAI_VOLUMES';
export const SECRETS_ENV = 'EVERAI_SECRETS';
export const CONFIGMAPS_ENV = 'EVERAI_CONFIGMAPS';

/** The platform probes this path; 200 once the worker can take traffic (docs/worker-lifecycle.md). */
export const READINESS_PATH = '/.well-known/everai/ready';

/**
 * The app compiled at `everai image build` (app.ts and the local files it imports, as one CommonJS
 * file with an inline source map), beside the app's own files in `/app`. A worker that finds it
 * loads it with plain `require`, without compiling TypeScript at each start; an image without it
 * (built before it existed, or an app esbuild could not compile as CommonJS) is loaded through tsx.
 */
export const COMPILED_APP_FILE = '.everai-app.cjs';
