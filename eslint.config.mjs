import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.data/**', 'coverage/**', '*.js', '*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': 'error',
    },
  },
  {
    // Workflow code is replayed deterministically inside Temporal's sandbox: no Node built-ins, no I/O,
    // and activities only as types.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must not use Node built-ins.' })),
          patterns: [
            {
              group: ['**/src/infra/**', '**/src/http/**', '**/src/main/**'],
              message: 'Workflows use domain code only.',
            },
            {
              group: ['**/activities/**'],
              message: 'Import activities with `import type` only.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // The domain is pure: no I/O libraries, no imports from the outer layers.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/infra/**', '**/http/**', '**/main/**', '**/activities/**', '**/workflows/**'],
              message: 'The domain depends on nothing outside it.',
            },
            { group: ['mongodb', 'express', 'playwright-core', '@temporalio/*'], message: 'The domain does no I/O.' },
          ],
        },
      ],
    },
  },
  {
    // The client and the user's CLI are a package of their own in the making: the runtime's built-ins and their
    // own files only, so that they can be published without the service. What they need of the service (the
    // artifact check) is handed to them by src/main/evidence.ts.
    files: ['src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/infra/**', '**/http/**', '**/app/**', '**/main/**', '**/activities/**', '**/workflows/**'],
              message: 'The client depends on nothing of the service.',
            },
            {
              group: ['mongodb', 'express', 'playwright-core', '@temporalio/*', 'node-forge', 'jose', 'pdf-lib'],
              message: 'The client uses the runtime only.',
            },
          ],
        },
      ],
    },
  },
);
