// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// A focused test (`.only`) would make CI pass while skipping the rest of the suite.
const onlyBans = ['test', 'it', 'describe', 'suite'].map((object) => ({
  object,
  property: 'only',
  message: 'A focused test skips the rest of the suite; remove .only before committing.',
}));

export default defineConfig(
  // The build output, dependencies and the example apps (each its own package, outside tsconfig.json) are not linted.
  { ignores: ['dist/', 'node_modules/', 'examples/'] },
  // A disable comment that suppresses nothing is stale: failing on it keeps every remaining one honoured by a real rule.
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Named here although recommendedTypeChecked has them: they are why this lint exists, and must stay errors.
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's runner owns the promise that test() and describe() return; awaiting it at the top level is not the idiom.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // Dropping keys by destructuring (`const { Cmd: _cmd, ...kept } = base`) is the house idiom for an object without them.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // The SQLite stores implement the async Store interface over a synchronous driver: `async` keeps a thrown SQL error a rejection.
      '@typescript-eslint/require-await': 'off',
      'no-restricted-properties': ['error', ...onlyBans],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression > ObjectExpression > Property[key.name='only']",
          message: 'A focused test ({ only: true }) skips the rest of the suite; remove it before committing.',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Test regexes match indented YAML and TypeScript: literal spaces read as the indentation they match.
      'no-regex-spaces': 'off',
    },
  },
);
