import { Command, CommanderError } from 'commander';
import { EveraiError } from '../contract/errors';
import { groupsFor, VERSION_FLAGS } from './command-groups';
import { VERSION } from '../contract/version';
import { extraCaCertsNeeded, runWithExtraCaCerts } from './extra-ca-certs';

/** The program with the commands `argv` may run (all of them when `argv` is not given). */
export function buildProgram(argv: readonly string[] = []): Command {
  const program = new Command('everai')
    .description('everai: deploy apps on workers, with versioned images and volumes, upgraded hot')
    .version(VERSION, VERSION_FLAGS.join(', '), 'print the version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'Error: ')) });
  for (const group of groupsFor(argv)) group.load()(program);
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
    const extraCaCerts = extraCaCertsNeeded(argv);
    if (extraCaCerts) {
      process.exitCode = await runWithExtraCaCerts(argv, extraCaCerts);
      return;
    }
    await buildProgram(argv).parseAsync(argv, { from: 'user' });
  } catch (error) {
    // Help and version also end in a CommanderError, with exit code 0.
    process.exitCode = reportError(error);
  }
}
