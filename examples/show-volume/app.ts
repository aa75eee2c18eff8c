import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { App, Image, VolumeRequest, context } from 'everai';
import { IMAGE } from './image_builder';

const VOLUME_NAME = 'get-start-volume';
const MODEL_NAME = 'my-model';

export const app = new App('show-volume', {
  image: Image.fromRegistry(IMAGE),
  volumeRequests: [new VolumeRequest(VOLUME_NAME)],
});

const exists = (path: string) => access(path).then(() => true, () => false);

/**
 * In `everai app prepare` (prepare mode) this makes the model file the first time and pushes the
 * volume's local cache, so an edit there becomes a new revision. In a worker it only checks that
 * the pinned revision holds the model.
 */
app.prepare(async function prepareModel() {
  const volume = context.getVolume(VOLUME_NAME);
  const model = join(volume.path, MODEL_NAME);
  if (context.isPrepareMode) {
    if (!(await exists(model))) await writeFile(model, 'hello world');
    await context.volumeManager.push(VOLUME_NAME);
  } else if (!(await exists(model))) {
    throw new Error(`volume ${VOLUME_NAME} at revision ${volume.revision} has no ${MODEL_NAME}: run \`everai app prepare\``);
  }
});

app.service.route('/show-volume', { methods: ['GET'] }, async () => {
  const text = await readFile(join(context.getVolume(VOLUME_NAME).path, MODEL_NAME), 'utf8');
  return text.endsWith('\n') ? text : `${text}\n`;
});
