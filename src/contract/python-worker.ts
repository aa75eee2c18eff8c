/**
 * What an image built for a Python app (docs/python.md) and the runtimes that start it agree on:
 * where the everai SDK for Python is (on PYTHONPATH there), and the module that serves the app.
 */
export const PYTHON_SDK_PATH = '/opt/everai/python';
export const PYTHON_WORKER_MODULE = 'everai.worker';

/**
 * What a Python worker runs with beside PYTHONPATH: unbuffered, so its log has each line when it
 * is printed; no bytecode written, as its image is read-only (and shared by every worker of it).
 */
export const PYTHON_WORKER_ENV: Readonly<Record<string, string>> = { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };

/** An app's file names its language: `app.py` is served by the Python worker, `app.ts` by Node's. */
export function isPythonAppFile(appFile: string): boolean {
  return appFile.endsWith('.py');
}

/**
 * The Python on this machine that runs Python apps outside a container (the CLI's `app check|run|
 * prepare`, the process runtime's workers): `EVERAI_PYTHON`, else `python3` on PATH.
 */
export function hostPython(): string {
  return process.env.EVERAI_PYTHON || 'python3';
}
