import assert from 'node:assert/strict';
import { Command } from 'commander';
import { test } from 'node:test';
import { COMMAND_GROUPS, groupsFor } from '../src/cli/command-groups';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from './helpers/cli';

// The CLI loads only the command file its first word names: each file's words must be exactly
// what it registers, or a command would be missing when run on its own.

test('each command group registers exactly the top-level words it is found by, and no word is in two groups', () => {
  const seen = new Set<string>();
  for (const group of COMMAND_GROUPS) {
    const program = new Command('everai');
    group.load()(program);
    const words = program.commands.flatMap((command) => [command.name(), ...command.aliases()]);
    assert.deepEqual(words.sort(), [...group.words].sort());
    for (const word of words) {
      assert.ok(!seen.has(word), `${word} is in two groups`);
      seen.add(word);
    }
  }
});

test('help lists every command group, and a mistyped command is still corrected', async () => {
  const help = await runCli(['--help']);
  for (const group of COMMAND_GROUPS) assert.match(help.stdout, new RegExp(`^  ${group.words[0]}\\b`, 'm'));
  const typo = await runCli(['workr', 'list']);
  assert.notEqual(typo.code, 0);
  assert.match(typo.stderr, /Did you mean worker\?/);
});

test('the version comes from `everai version`, `everai --version` and `everai -V` alike', async () => {
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.deepEqual(await runCli(['version']).then((r) => [r.code, r.stdout]), [0, `everai ${version}\n`]);
  for (const flag of ['--version', '-V']) {
    assert.deepEqual(await runCli([flag]).then((r) => [r.code, r.stdout]), [0, `${version}\n`]);
    // Answered without loading a command file.
    assert.deepEqual(groupsFor([flag]), []);
  }
});
