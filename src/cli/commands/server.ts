import { Option, type Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EveraiError } from '../../contract/errors';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../../server/logger';
import { DATA_PLANE_CHOICES, type DataPlaneChoice } from '../../server/gateway/data-plane-choice';
import { defaultPlatformOptions, RUNTIME_KINDS, type RuntimeKind } from '../../server/platform-config';

interface ServerOptions {
  listen: string;
  data: string;
  adminToken?: string;
  metricsToken?: string;
  store?: string;
  eventRetentionDays: string;
  workerRetentionDays: string;
  unpackedRetentionMinutes: string;
  runtime: RuntimeKind;
  dataPlane: DataPlaneChoice;
  logFormat: LogFormat;
  logLevel: LogLevel;
}

export function registerServerCommand(program: Command): void {
  const defaults = defaultPlatformOptions();
  program
    .command('server')
    .description('run the platform: API, gateway, registry, controller and workers on one port')
    .option('--listen <host:port>', 'address to listen on (port 0 picks a free one)', defaults.listen)
    .option('--data <dir>', 'where the server keeps its state', defaults.dataDir)
    .option('--store <url>', 'a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL for the state store, shared by every server on it (default: EVERAI_STORE_URL, or SQLite in the data folder)')
    .option('--admin-token <token>', 'admin token to create on the first start (default: EVERAI_ADMIN_TOKEN or generated)')
    .option('--metrics-token <token>', 'a token that may read /metrics and nothing else, for Prometheus (default: EVERAI_METRICS_TOKEN; absent: only admin tokens may)')
    .option('--event-retention-days <days>', 'how long app events are kept', String(defaults.eventRetentionMs / 86_400_000))
    .option('--worker-retention-days <days>', 'how long terminated and failed workers (and their logs) are kept', String(defaults.workerRetentionMs / 86_400_000))
    .option(
      '--unpacked-retention-minutes <minutes>',
      'how long an unpacked image or volume tree that no worker uses is kept on disk (0: removed at the next sweep)',
      String(defaults.unpackedRetentionMs / 60_000),
    )
    .addOption(
      new Option('--runtime <kind>', 'where workers run: OCI containers, or bare processes for development (not isolated); default EVERAI_RUNTIME or container')
        .choices([...RUNTIME_KINDS])
        .default(defaults.runtime),
    )
    .addOption(
      new Option('--data-plane <kind>', 'what forwards app requests to workers: HAProxy (started by the server) in front of the Node gateway, or the Node gateway alone; auto: haproxy where it is installed, else node')
        .choices([...DATA_PLANE_CHOICES])
        .env('EVERAI_DATA_PLANE')
        .default(defaults.dataPlane),
    )
    .addOption(new Option('--log-format <format>', 'server log lines: text, or JSON for a log collector').choices([...LOG_FORMATS]).default(defaults.logFormat))
    .addOption(new Option('--log-level <level>', 'the least level the server log writes').choices([...LOG_LEVELS]).default(defaults.logLevel))
    .action(async (opts: ServerOptions) => {
      const eventDays = retentionDays('--event-retention-days', opts.eventRetentionDays);
      const workerDays = retentionDays('--worker-retention-days', opts.workerRetentionDays);
      const unpackedMinutes = Number(opts.unpackedRetentionMinutes);
      if (!(unpackedMinutes >= 0)) throw new EveraiError('EVERAI_USAGE', `--unpacked-retention-minutes wants a number of minutes >= 0, got '${opts.unpackedRetentionMinutes}'`);
      // Loaded here, not at the top: every other command starts faster without the server's modules
      // (the admin module alone, for the name of its token file, took 110 ms of `everai --help`).
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { startPlatform } = require('../../server/platform') as typeof import('../../server/platform');
      const { ADMIN_TOKEN_FILE } = require('../../server/admin') as typeof import('../../server/admin');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const adminToken = opts.adminToken ?? process.env.EVERAI_ADMIN_TOKEN;
      const storeUrl = opts.store ?? process.env.EVERAI_STORE_URL;
      const metricsToken = opts.metricsToken ?? process.env.EVERAI_METRICS_TOKEN;
      const platform = await startPlatform({
        ...defaults,
        listen: opts.listen,
        dataDir: opts.data,
        eventRetentionMs: eventDays * 86_400_000,
        workerRetentionMs: workerDays * 86_400_000,
        unpackedRetentionMs: unpackedMinutes * 60_000,
        runtime: opts.runtime,
        dataPlane: opts.dataPlane,
        logFormat: opts.logFormat,
        logLevel: opts.logLevel,
        ...(adminToken ? { adminToken } : {}),
        ...(storeUrl ? { storeUrl } : {}),
        ...(metricsToken ? { metricsToken } : {}),
      });
      // A server joining a PostgreSQL store that another one created has no token file of its own.
      const tokenFile = join(opts.data, ADMIN_TOKEN_FILE);
      const token = platform.createdAdminToken ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : adminToken);
      console.log(`everai server listening on ${platform.url}`);
      console.log(`web console at ${platform.url}/ (sign in with a token)`);
      console.log(`data in ${opts.data}`);
      console.log(platform.runtimeDescription);
      console.log(platform.dataPlaneDescription);
      if (platform.createdAdminToken) console.log('created the admin user; its token is kept in the data folder (mode 0600)');
      console.log(
        token
          ? `everai login --token ${token} --endpoint ${platform.url}`
          : `log in with the admin token of the server that first started on this store: everai login --token ... --endpoint ${platform.url}`,
      );
      // Asked to stop, the server stops its workers gracefully too; only a crash leaves them running
      // (the next start adopts them).
      const shutdown = (signal: string) => {
        console.log(`${signal}: stopping workers and shutting down`);
        platform.close({ stopWorkers: true }).then(
          () => process.exit(0),
          (error: unknown) => {
            console.error(error);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}

function retentionDays(flag: string, given: string): number {
  const days = Number(given);
  if (!(days > 0)) throw new EveraiError('EVERAI_USAGE', `${flag} wants a number of days > 0, got '${given}'`);
  return days;
}
