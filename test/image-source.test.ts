import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { imageNameOf } from '../src/client/image/image-source';

// The image name of an app folder's image_builder.ts: read as text when it is one literal, else run.

const work = mkdtempSync(join(tmpdir(), 'everai-image-source-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A folder of its own per file: a module loaded once stays loaded under its path. */
function builder(text: string): string {
  const dir = mkdtempSync(join(work, 'app-'));
  writeFileSync(join(dir, 'image_builder.ts'), text);
  return dir;
}

test('a literal IMAGE, with comments before it, is the name', async () => {
  assert.equal(await imageNameOf(builder("export const IMAGE = 'demo:v1';\n")), 'demo:v1');
  assert.equal(await imageNameOf(builder('/** The image.\n * More. */\n// and a line\nexport const IMAGE = "team/demo:v2"\n')), 'team/demo:v2');
});

test('any other image_builder.ts is run: a computed name, code beside the literal, a literal that is blank', async () => {
  assert.equal(await imageNameOf(builder("const tag = 'v' + 3;\nexport const IMAGE = `computed:${tag}`;\n")), 'computed:v3');
  assert.equal(await imageNameOf(builder("export const IMAGE = 'trailing:v1'; // a comment after\n")), 'trailing:v1');
  await assert.rejects(imageNameOf(builder("/* a */ throw new Error('boom'); /* b */ export const IMAGE = 'never:v1';\n")), /image_builder\.ts does not load: boom/);
  await assert.rejects(imageNameOf(builder("export const IMAGE = '  ';\n")), /image_builder\.ts does not export IMAGE/);
});
