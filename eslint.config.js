// Lint rules, including the floors of README "Layout": each folder may import only from the floors below it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A `no-restricted-imports` rule allowing only the module specifiers that match `allowed`. */
const onlyImports = (allowed, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ regex: `^(?!(${allowed.join('|')}))`, message }] }],
});
/** A `no-restricted-imports` rule refusing relative imports into the named src/ folders. */
const noImportsFrom = (folders, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ regex: `^\\.\\./(\\.\\./)*(${folders.join('|')})/`, message }] }],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'coverage/', 'src/db/migrations/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Tests read JSON answers loosely; what they assert is in the expectations.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: onlyImports(
      ['@temporalio/common$', '@temporalio/workflow$', '\\./'],
      'src/domain is the lowest floor: pure code, safe in the workflow bundle.',
    ),
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: onlyImports(
      ['@temporalio/workflow$', '\\.\\./domain/', '\\./'],
      'Workflow code imports only @temporalio/workflow and src/domain (activity types live in src/domain/activities.ts).',
    ),
  },
  {
    files: ['src/contracts/**/*.ts'],
    rules: onlyImports(
      ['@hono/zod-openapi$', 'zod$', '\\.\\./domain/', '\\./'],
      'API contracts are zod schemas over src/domain only.',
    ),
  },
  {
    files: ['src/db/**/*.ts'],
    rules: noImportsFrom(
      ['http', 'management', 'ingress', 'activities', 'workflows', 'temporal', 'worker-setup', 'cli', 'dev'],
      'src/db sits below everything but src/domain.',
    ),
  },
  {
    files: ['src/temporal/**/*.ts'],
    rules: noImportsFrom(
      ['http', 'management', 'ingress', 'activities', 'worker-setup', 'cli', 'dev'],
      'src/temporal sits below the HTTP, management, ingress and activity floors.',
    ),
  },
  {
    files: ['src/activities/**/*.ts', 'src/management/**/*.ts', 'src/ingress/**/*.ts'],
    rules: noImportsFrom(
      ['http', 'management', 'activities', 'ingress', 'workflows', 'worker-setup', 'cli', 'dev'],
      'Activities, management and ingress share a floor: each reaches down (src/temporal, src/db, src/domain…), never sideways or up.',
    ),
  },
  {
    files: ['src/http/**/*.ts'],
    rules: noImportsFrom(
      ['activities', 'workflows', 'worker-setup', 'cli', 'dev'],
      'HTTP routes go through src/management and src/ingress.',
    ),
  },
  {
    files: ['src/{delivery,processing,schemes,metrics}/**/*.ts', 'src/*.ts'],
    rules: noImportsFrom(
      ['http', 'management', 'ingress', 'activities', 'workflows', 'temporal', 'worker-setup', 'cli', 'dev'],
      'Libraries used by the activity and ingress floors import only libraries and src/domain.',
    ),
  },
);
