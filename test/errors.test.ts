import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE } from '../src/contract/errors';
import { REPO_ROOT } from './helpers/cli';

test('every error code is documented in docs/errors.md', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
  for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
    assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${entry.status} \\| ${entry.exit} \\|`), `${code} is undocumented`);
  }
});
