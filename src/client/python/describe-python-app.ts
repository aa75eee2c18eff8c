import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppSpecDocument } from '../../contract/app-spec';
import { EveraiError, isErrorCode } from '../../contract/errors';
import { hostPython } from '../../contract/python-worker';
import { runPython } from './python-sdk';

/** A Python app's file, and the file that names its image. */
export const PYTHON_APP_FILE = 'app.py';
export const PYTHON_IMAGE_BUILDER_FILE = 'image_builder.py';

/** What `python3 -m everai.describe app DIR` says of an app folder (docs/python.md, "The describe protocol"). */
export interface PythonAppDescription {
  /** The same document as the TypeScript SDK's `app.toSpec()`. */
  spec: AppSpecDocument;
  appFile: string;
  /** `GET /sse`, in the order defined. */
  routes: string[];
  prepareHooks: string[];
  /** Volumes requested with `create_if_not_exists=True`. */
  createVolumes: string[];
}

interface DescribeOutput {
  app?: PythonAppDescription;
  image?: string;
  error?: { code: string; message: string };
}

export function hasPythonAppFile(dir: string): boolean {
  return existsSync(join(dir, PYTHON_APP_FILE));
}

/** The SDK's answer about `dir`; a mistake in the user's files is the error the SDK names, with its code. */
async function describe(what: 'app' | 'image', dir: string): Promise<DescribeOutput> {
  const root = resolve(dir);
  const { code, stdout } = await runPython('everai.describe', [what, root], root);
  let output: DescribeOutput | undefined;
  try {
    output = JSON.parse(stdout) as DescribeOutput;
  } catch {
    // Python failed before it could answer; what it printed is on stderr already.
  }
  if (code !== 0 || output === undefined) {
    throw new EveraiError('EVERAI_USAGE', `\`${hostPython()} -m everai.describe ${what}\` failed (exit code ${code}); its error is above`);
  }
  if (output.error) throw new EveraiError(isErrorCode(output.error.code) ? output.error.code : 'EVERAI_APP_INVALID', output.error.message);
  return output;
}

/** The app that `app.py` of `dir` defines, as the CLI needs it. */
export async function describePythonApp(dir: string): Promise<PythonAppDescription> {
  const { app } = await describe('app', dir);
  if (!app) throw new EveraiError('EVERAI_INTERNAL', 'everai.describe answered without the app');
  return app;
}

/** `IMAGE` of `image_builder.py` in `dir`. */
export async function pythonImageName(dir: string): Promise<string> {
  const { image } = await describe('image', dir);
  if (image === undefined) throw new EveraiError('EVERAI_INTERNAL', 'everai.describe answered without the image');
  return image;
}
