import { spawnSync } from 'node:child_process';
import { pythonBaseMissing } from '../../src/client/image/python-base';
import { hostPython } from '../../src/contract/python-worker';
import { TEST_BUILD_CACHE } from './cli';

/** Why the CLI cannot run Python apps here (it needs Python ≥ 3.10 with Flask), or false. */
function pythonMissing(): string | false {
  const probe = spawnSync(hostPython(), ['-c', 'import sys, flask; sys.exit(sys.version_info < (3, 10))']);
  return probe.status === 0 ? false : `${hostPython()} with Flask (Python 3.10 or newer) is not installed (apt-get install python3 python3-flask)`;
}

export const PYTHON_MISSING = pythonMissing();

/** Why Python apps cannot be built into images here (the Python base is neither cached nor makeable), or false. */
export const PYTHON_IMAGE_MISSING: string | false = PYTHON_MISSING || (pythonBaseMissing(TEST_BUILD_CACHE) ?? false);
