import type { Command } from 'commander';
import { EveraiError } from '../../contract/errors';

/** `everai image ...`: parse the command line, call src/client/image. */
export function registerImageCommands(program: Command): void {
  const image = program.command('image').description('build app images and push them to the platform registry');

  image
    .command('build')
    .description("build the app folder into an image and push it as IMAGE of image_builder.ts (or the manifest's spec.image)")
    .option('-f, --file <file>', 'an app manifest whose spec.image names the image')
    .option('--builder <tool>', 'build the folder\'s Dockerfile with buildah or docker (default: pack the folder as it is)')
    .option(
      '--base <image>',
      "build on IMAGE (name[:tag] or name@digest in the everai registry) instead of everai's node base; it must have node at /usr/local/bin/node for an app.ts folder, and says what runs for an app.yaml folder",
    )
    .action(async (opts: { file?: string; builder?: string; base?: string }) => {
      if (opts.builder !== undefined && opts.builder !== 'buildah' && opts.builder !== 'docker') {
        throw new EveraiError('EVERAI_USAGE', `--builder takes buildah or docker, not '${opts.builder}'`);
      }
      // Loaded on use: the push client pulls in undici, which every other command can do without.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { buildAndPush } = require('../../client/image/build-and-push') as typeof import('../../client/image/build-and-push');
      const pushed = await buildAndPush({
        appDir: process.cwd(),
        ...(opts.file !== undefined ? { manifestFile: opts.file } : {}),
        ...(opts.builder !== undefined ? { builder: opts.builder } : {}),
        ...(opts.base !== undefined ? { base: opts.base } : {}),
      });
      console.log(`pushed ${pushed}`);
    });
}
