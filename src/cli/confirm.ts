import { createInterface } from 'node:readline/promises';
import { EveraiError } from '../contract/errors';

/** `-y, --yes` on commands that ask before they destroy. */
export const YES_OPTION = ['-y, --yes', 'do not ask for confirmation'] as const;

/**
 * Asks `question` on a terminal and goes on only on y/yes; refused, nothing happens. Without a
 * terminal (scripts, CI) there is nobody to ask, so the command proceeds, as kubectl's does.
 */
export async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes || !process.stdin.isTTY) return;
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question(`${question} [y/N] `).finally(() => prompt.close());
  if (!/^y(es)?$/i.test(answer.trim())) throw new EveraiError('EVERAI_ABORTED', 'nothing was deleted');
}
