import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { endpoint } from '../client/config-file';

/**
 * NODE_EXTRA_CA_CERTS, which bin/everai moves here for every command but the server. Node 20 reads
 * that file, and builds its whole root certificate store with it, as it starts, whether or not the
 * process ever speaks TLS: 50-60 ms of every command on a machine that sets it (an up-to-date pull
 * of 10,000 files took 0.29-0.33 s with it, 0.25-0.28 s without, 7 alternating runs each). Most
 * commands speak plain HTTP to a server on loopback; one that may speak TLS runs again with it back.
 */
const MOVED_EXTRA_CA_CERTS = 'EVERAI_NODE_EXTRA_CA_CERTS';

/** The `app` commands that run the app's own code here, which may call HTTPS services. */
const APP_CODE_COMMANDS: readonly string[] = ['check', 'prepare', 'run'];

const HTTPS = /^https:/i;

/**
 * The extra certificates the user set, when this command may speak TLS: to an https endpoint (the
 * configured one, or one the command line names, as `login --endpoint` does), or in the app's code.
 */
export function extraCaCertsNeeded(argv: readonly string[]): string | undefined {
  const file = process.env[MOVED_EXTRA_CA_CERTS];
  if (!file) return undefined;
  const runsAppCode = argv[0] === 'app' && argv[1] !== undefined && APP_CODE_COMMANDS.includes(argv[1]);
  const namesHttps = argv.some((arg) => HTTPS.test(arg.replace(/^--[\w-]+=/, '')));
  return runsAppCode || namesHttps || HTTPS.test(endpoint()) ? file : undefined;
}

/**
 * Runs this command again in a node given NODE_EXTRA_CA_CERTS, its terminal and streams this
 * process's: its exit code (128 + the signal's number when a signal ended it). The terminal sends
 * Ctrl-C and Ctrl-\ to both processes, so this one waits for them to reach the command there;
 * SIGTERM and SIGHUP sent to this one alone are passed on.
 */
export function runWithExtraCaCerts(argv: readonly string[], file: string): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: file };
  delete env[MOVED_EXTRA_CA_CERTS];
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1] ?? '', ...argv], { stdio: 'inherit', env });
  const waitForChild = (): void => undefined;
  const passOn = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', waitForChild).on('SIGQUIT', waitForChild).on('SIGTERM', passOn).on('SIGHUP', passOn);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
