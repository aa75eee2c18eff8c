import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ifExists } from '../src/contract/if-exists';

test('ifExists: missing is undefined, any other failure is an error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'everai-if-exists-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await fs.writeFile(join(dir, 'file'), 'text');

  assert.equal(await ifExists(fs.readFile(join(dir, 'file'), 'utf8')), 'text');
  assert.equal(await ifExists(fs.stat(join(dir, 'missing'))), undefined);
  // A path under a file: ENOTDIR, nothing is there either.
  assert.equal(await ifExists(fs.readFile(join(dir, 'file', 'inside'))), undefined);
  // A folder read as a file exists, and reading it failed: the caller hears of it.
  await assert.rejects(ifExists(fs.readFile(dir)), { code: 'EISDIR' });
});
