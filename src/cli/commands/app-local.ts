import type { Command } from 'commander';
import { EveraiError } from '../../contract/errors';
import type { App } from '../../sdk/app';
import { loadAppFromDir } from '../../sdk/loader/load-app';
import { provideLocalKeyValues } from '../local-key-values';
import { isPythonAppFolder, loadAppDefinition } from '../app-definition';
import { preparePythonApp, runPythonApp } from '../python-app';

/** `everai app run`'s default port, as the Python platform's. */
const DEFAULT_RUN_PORT = 8866;
const DEFAULT_RUN_HOST = '127.0.0.1';

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new EveraiError('EVERAI_USAGE', `--port ${value} is not a TCP port`);
  return port;
}

/** `HOST`, `HOST:PORT` or `[IPv6]:PORT`; a port here wins over --port. */
function parseListen(value: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed?.[1]) return bracketed[2] ? { host: bracketed[1], port: parsePort(bracketed[2]) } : { host: bracketed[1] };
  const hostPort = /^([^:]+):(\d+)$/.exec(value);
  if (hostPort?.[1] && hostPort[2]) return { host: hostPort[1], port: parsePort(hostPort[2]) };
  return { host: value };
}

async function runPrepareHooks(app: App, prepareMode: boolean): Promise<void> {
  await app.runPrepareHooks({
    prepareMode,
    onHook: (hook, index) =>
      console.log(`prepare hook ${index + 1}/${app.prepareHooks.length}: ${hook.name || '(anonymous)'}`),
  });
}

/**
 * The SDK's worker server and the local volume client, loaded when `prepare` or `run` runs rather
 * than with this file: they took 48 ms of the start of every other `everai app` command.
 */
function runningHere(): typeof import('../../sdk/worker/serve-app') & typeof import('../local-volumes') {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    ...(require('../../sdk/worker/serve-app') as typeof import('../../sdk/worker/serve-app')),
    ...(require('../local-volumes') as typeof import('../local-volumes')),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** The app commands that work on the app in the current directory, with no server. */
export function registerAppLocalCommands(appCommand: Command): void {
  appCommand
    .command('check')
    .description('load the app in the current directory (app.ts, app.py, else app.yaml) and say what is wrong with it, if anything')
    .option('-f, --file <file>', 'an app manifest to check instead')
    .action(async (opts: { file?: string }) => {
      console.log((await loadAppDefinition(process.cwd(), opts.file)).summary);
    });

  appCommand
    .command('prepare')
    .description("run the app's prepare hooks here, in prepare mode (context.isPrepareMode is true)")
    .action(async () => {
      if (isPythonAppFolder(process.cwd())) return preparePythonApp(process.cwd());
      const { app } = await loadAppFromDir(process.cwd());
      await runningHere().provideLocalVolumes(app.volumeRequests.map((v) => v.name));
      await provideLocalKeyValues(app.secretRequests, app.configmapRequests);
      await runPrepareHooks(app, true);
      const count = app.prepareHooks.length;
      console.log(`App '${app.name}': ran ${count} prepare hook${count === 1 ? '' : 's'}`);
    });

  appCommand
    .command('run')
    .description('serve the app in the current directory on this machine, without a server')
    .option('--port <port>', 'port to listen on (0 picks a free one)', String(DEFAULT_RUN_PORT))
    .option('--listen <addr>', 'address to listen on: HOST or HOST:PORT', DEFAULT_RUN_HOST)
    .action(async (opts: { port: string; listen: string }) => {
      const listen = parseListen(opts.listen);
      const port = listen.port ?? parsePort(opts.port);
      if (isPythonAppFolder(process.cwd())) {
        process.exitCode = await runPythonApp(process.cwd(), { host: listen.host, port });
        return;
      }
      const { app } = await loadAppFromDir(process.cwd());
      const { provideLocalVolumes, serveApp, listeningPort } = runningHere();
      await provideLocalVolumes(app.volumeRequests.map((v) => v.name));
      await provideLocalKeyValues(app.secretRequests, app.configmapRequests);
      await runPrepareHooks(app, false);
      const server = await serveApp(app, { port, host: listen.host });
      const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
      console.log(`serving app ${app.name} at http://${host}:${listeningPort(server)}`);
      // The first signal lets what is in flight finish; a second one does not wait.
      const stop = (signal: string) => {
        console.log(`${signal}: stopping after ${server.inFlight()} in-flight request(s); again to stop now`);
        process.once(signal, () => process.exit(130));
        void server.drain().then(() => process.exit(0));
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
