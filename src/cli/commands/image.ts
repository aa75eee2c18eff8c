import type { Command } from 'commander';

/** `everai image ...` (SPEC §8): parse the command line, call src/image. */
export function registerImageCommands(program: Command): void {
  const image = program.command('image').description('build app images and push them to the platform registry');

  image
    .command('build')
    .description("build the app folder into an image and push it as IMAGE of image_builder.ts (or the manifest's spec.image)")
    .option('-f, --file <file>', 'an app manifest whose spec.image names the image')
    .action(async (opts: { file?: string }) => {
      // Loaded on use: the push client pulls in undici, which every other command can do without.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { buildAndPush } = require('../../image/build-and-push') as typeof import('../../image/build-and-push');
      const pushed = await buildAndPush({ appDir: process.cwd(), ...(opts.file !== undefined ? { manifestFile: opts.file } : {}) });
      console.log(`pushed ${pushed}`);
    });
}
