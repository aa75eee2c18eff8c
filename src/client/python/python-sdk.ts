import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';
import { EveraiError } from '../../contract/errors';
import { hostPython, PYTHON_WORKER_ENV } from '../../contract/python-worker';

/**
 * The everai SDK for Python as this installation carries it (`python/everai`), and the Python
 * that runs it for the CLI (`hostPython()`). Python ≥ 3.10 with Flask.
 */

/** This package's root, from dist/src/client/python. */
const PACKAGE_ROOT = join(__dirname, '..', '..', '..', '..');
/** The folder that holds the `everai` package: what goes on PYTHONPATH. */
export const PYTHON_SDK_DIR = join(PACKAGE_ROOT, 'python');
/** The argv of this CLI, as JSON, for the SDK's `context.volume_manager` (python/everai/volume_manager.py). */
export const CLI_ENV = 'EVERAI_CLI';
const CLI_ENTRY = join(PACKAGE_ROOT, 'bin', 'everai.js');


/**
 * The environment of a Python the CLI starts: this SDK first on its path, this CLI for its volume
 * manager, and a worker's settings: what the app prints shows at once, and no __pycache__ lands
 * in the app's folder, where `everai image build` would find it.
 */
function pythonEnv(): NodeJS.ProcessEnv {
  const path = [PYTHON_SDK_DIR, process.env.PYTHONPATH].filter(Boolean).join(delimiter);
  return { ...process.env, ...PYTHON_WORKER_ENV, PYTHONPATH: path, [CLI_ENV]: JSON.stringify([process.execPath, CLI_ENTRY]) };
}

function notStarted(error: Error): EveraiError {
  return new EveraiError(
    'EVERAI_USAGE',
    `${hostPython()} did not start (${error.message}): a Python app needs Python 3.10 or newer with Flask (Debian: apt-get install python3 python3-flask); EVERAI_PYTHON names another Python`,
  );
}

export interface PythonProcess {
  child: ChildProcess;
  /** Its exit code; 128 + the signal's number when a signal ended it. */
  exited: Promise<number>;
}

/** `python3 -m MODULE ARGS...` in `cwd`, its output where `stdio` says. */
export function startPython(module: string, args: readonly string[], options: { cwd: string; stdio: StdioOptions; detached?: boolean }): PythonProcess {
  const child = spawn(hostPython(), ['-m', module, ...args], {
    cwd: options.cwd,
    env: pythonEnv(),
    stdio: options.stdio,
    detached: options.detached ?? false,
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', (error) => reject(notStarted(error)));
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  return { child, exited };
}

/** Runs `python3 -m MODULE ARGS...` in `cwd` to its end: its exit code and its stdout (its stderr is this process's). */
export async function runPython(module: string, args: readonly string[], cwd: string): Promise<{ code: number; stdout: string }> {
  const { child, exited } = startPython(module, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  return { code: await exited, stdout };
}
