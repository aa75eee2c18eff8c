/**
 * The worker process's main (docs/worker-lifecycle.md), started by the runtime as
 * `node dist/src/sdk/worker/worker-entry.js` in the app's folder, with:
 * - `PORT`: where to listen;
 * - `EVERAI_LISTEN_HOST`: the address to bind, 0.0.0.0 when unset (see worker-env.ts);
 * - `EVERAI_APP_FILE`: the app's file in that folder (`app.ts`); found by name when unset;
 * - `EVERAI_WORKER_ID`: this worker's id, for the log.
 * An image's build compiled the app to plain JS beside it (COMPILED_APP_FILE): that is what loads.
 * It loads the app, runs its prepare hooks and only then listens, so an open port already means
 * ready. SIGTERM drains: no new connection, every in-flight request (a stream too) runs to its end,
 * then exit 0. A failure to load or prepare prints why and exits 1.
 */
import { EveraiError } from '../../contract/errors';
import { LISTEN_HOST_ENV } from '../../contract/worker-env';
import { loadAppFromDir } from '../loader/load-app';
import { serveApp, type AppServer } from './serve-app';

function requiredPort(): number {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new EveraiError('EVERAI_INTERNAL', `PORT must be a TCP port, got ${JSON.stringify(process.env.PORT)}`);
  }
  return port;
}

async function main(): Promise<void> {
  const workerId = process.env.EVERAI_WORKER_ID ?? 'local';
  // Assigned once, below, but `stop` reads it first: as a const it would be in its temporal dead zone then.
  // eslint-disable-next-line prefer-const
  let server: AppServer | undefined;
  const stop = (signal: string) => {
    // Stopped before serving: there is nothing in flight to wait for.
    if (!server) process.exit(0);
    console.log(`worker ${workerId}: ${signal}, draining ${server.inFlight()} in-flight request(s)`);
    void server.drain().then(() => {
      console.log(`worker ${workerId}: drained, exiting`);
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  const port = requiredPort();
  const appFile = process.env.EVERAI_APP_FILE;
  const { app } = await loadAppFromDir(process.cwd(), { compiled: true, ...(appFile ? { appFile } : {}) });
  let current = '';
  try {
    await app.runPrepareHooks({
      prepareMode: false,
      onHook: (hook, index) => {
        current = `prepare hook ${index + 1}/${app.prepareHooks.length} ${hook.name || '(anonymous)'}`;
        console.log(`worker ${workerId}: ${current}`);
      },
    });
  } catch (error) {
    console.error(`worker ${workerId}: ${current} failed:`, error);
    process.exit(1);
  }
  const host = process.env[LISTEN_HOST_ENV] || '0.0.0.0';
  server = await serveApp(app, { port, host });
  console.log(`worker ${workerId}: serving app ${app.name} on ${host}:${port}`);
}

main().catch((error: unknown) => {
  // A user's mistake is one line; anything else keeps its stack for whoever reads the log.
  console.error(error instanceof EveraiError ? `Error: ${error.message}` : error);
  process.exit(1);
});
