import { Command, CommanderError } from 'commander';
import { EveraiError } from '../contract/errors';
import { registerAppCommands } from './commands/app';
import { registerConfigCommands } from './commands/config';
import { registerImageCommands } from './commands/image';
import { registerServerCommand } from './commands/server';
import { registerVolumeCommands } from './commands/volume';
import { registerWorkerCommands } from './commands/worker';
import { registerUserCommands } from './commands/user';
import { registerTokenCommands } from './commands/token';
import { registerNamespaceCommands } from './commands/namespace';
import { registerSecretCommands } from './commands/secret';
import { registerConfigMapCommands } from './commands/configmap';
import { registerResourcesCommand } from './commands/resources';
import { VERSION } from '../contract/version';

export function buildProgram(): Command {
  const program = new Command('everai')
    .description('everai: deploy apps on workers, with versioned images and volumes, upgraded hot')
    .version(VERSION, '-V, --version-flag', 'print the version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'Error: ')) });
  registerServerCommand(program);
  registerConfigCommands(program);
  registerImageCommands(program);
  registerAppCommands(program);
  registerWorkerCommands(program);
  registerVolumeCommands(program);
  registerUserCommands(program);
  registerTokenCommands(program);
  registerNamespaceCommands(program);
  registerSecretCommands(program);
  registerConfigMapCommands(program);
  registerResourcesCommand(program);
  for (const command of allCommands(program)) command.exitOverride();
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Prints a user error as one line, an unexpected one with its stack (that is our bug). */
export function reportError(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode;
  if (error instanceof EveraiError) {
    console.error(`Error: ${error.message}`);
    return error.exitCode;
  }
  console.error(error);
  return 1;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
  } catch (error) {
    // Help and version also end in a CommanderError, with exit code 0.
    process.exitCode = reportError(error);
  }
}
