/* eslint-disable @typescript-eslint/no-require-imports -- each group's module is required only when its command runs: that is this file's job */
import type { Command } from 'commander';
import type * as AppCommands from './commands/app';
import type * as ConfigCommands from './commands/config';
import type * as ConfigMapCommands from './commands/configmap';
import type * as ImageCommands from './commands/image';
import type * as NamespaceCommands from './commands/namespace';
import type * as ResourcesCommand from './commands/resources';
import type * as SecretCommands from './commands/secret';
import type * as ServerCommand from './commands/server';
import type * as TokenCommands from './commands/token';
import type * as UserCommands from './commands/user';
import type * as VolumeCommands from './commands/volume';
import type * as WorkerCommands from './commands/worker';

/**
 * The CLI's command files, each with the top-level words (names and aliases) it registers. A
 * command line loads only the file its first word names: `everai worker list` does not load the
 * server, the image builder or the SDK, which took most of a short command's time. Help, a typo,
 * or no command at all loads them all. test/cli-command-groups.test.ts keeps the words true.
 */
export interface CommandGroup {
  words: readonly string[];
  load: () => (program: Command) => void;
}

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { words: ['server'], load: () => (require('./commands/server') as typeof ServerCommand).registerServerCommand },
  { words: ['login', 'logout', 'config', 'version'], load: () => (require('./commands/config') as typeof ConfigCommands).registerConfigCommands },
  { words: ['image'], load: () => (require('./commands/image') as typeof ImageCommands).registerImageCommands },
  { words: ['app'], load: () => (require('./commands/app') as typeof AppCommands).registerAppCommands },
  { words: ['worker', 'workers', 'w'], load: () => (require('./commands/worker') as typeof WorkerCommands).registerWorkerCommands },
  { words: ['volume'], load: () => (require('./commands/volume') as typeof VolumeCommands).registerVolumeCommands },
  { words: ['user'], load: () => (require('./commands/user') as typeof UserCommands).registerUserCommands },
  { words: ['token'], load: () => (require('./commands/token') as typeof TokenCommands).registerTokenCommands },
  { words: ['namespace', 'ns'], load: () => (require('./commands/namespace') as typeof NamespaceCommands).registerNamespaceCommands },
  { words: ['secret'], load: () => (require('./commands/secret') as typeof SecretCommands).registerSecretCommands },
  { words: ['configmap', 'cm'], load: () => (require('./commands/configmap') as typeof ConfigMapCommands).registerConfigMapCommands },
  { words: ['resources'], load: () => (require('./commands/resources') as typeof ResourcesCommand).registerResourcesCommand },
];

/** The program's own version flags, which need no command file. */
export const VERSION_FLAGS: readonly string[] = ['-V', '--version'];

/**
 * The groups a command line needs: none for the version alone, the one its first word names, else
 * all of them, in order.
 */
export function groupsFor(argv: readonly string[]): readonly CommandGroup[] {
  const word = argv[0];
  // Loading every group took `everai --version` 0.37 s, against 0.13 s with none.
  if (argv.length === 1 && word !== undefined && VERSION_FLAGS.includes(word)) return [];
  const named = COMMAND_GROUPS.find((group) => word !== undefined && group.words.includes(word));
  return named ? [named] : COMMAND_GROUPS;
}
