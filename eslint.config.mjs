// ESLint flat config: typescript-eslint with type information, plus the Temporal samples'
// rule that workflow code must not import Node built-ins (workflows run in a sandbox and
// must be deterministic).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layer rules (README, Architecture: "Dependencies point one way"). The pure layers
// import no Temporal, HTTP, ORM, database or storage modules and no upper layer; the
// campaign vocabulary (campaign/) is the floor everyone imports, and imports nothing but
// itself; nothing below the API imports api/. ESLint applies one `no-restricted-imports` per file (the last
// matching block wins), so each block lists everything its files may not import.
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)].map((name) => ({
  name,
  message: 'Workflow code runs in the Temporal sandbox: no Node built-ins. Do it in an activity.',
}));
const infrastructure = {
  regex: '^(@temporalio/|express$|tsoa$|@tsoa/|@mikro-orm/|pg$|pg-|minio$|oidc-provider$|jose$)',
  message:
    'A pure layer (telephony, audio, contacts, campaign) imports no Temporal, HTTP, ORM, database or storage module.',
};
const upperLayers = (...layers) => ({
  regex: `^(\\.\\.?/)+(${layers.join('|')})(/|\\.js$|$)`,
  message: `This layer may not import ${layers.join('/, ')}/: dependencies point one way (README, Architecture).`,
});
const noApi = upperLayers('api');
export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      '.tools/',
      '.data/',
      'api/generated/',
      'coverage/',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins,
          patterns: [upperLayers('api', 'auth', 'db'), { ...upperLayers('activities'), allowTypeImports: true }],
        },
      ],
    },
  },
  {
    files: ['telephony/**/*.ts', 'audio/**/*.ts', 'contacts/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            infrastructure,
            upperLayers('api', 'auth', 'db', 'activities', 'lib/storage', 'lib/temporal-logger'),
          ],
        },
      ],
    },
  },
  {
    // The campaign vocabulary: workflows bundle it, so the workflow sandbox's rule applies too.
    files: ['campaign/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins,
          patterns: [
            infrastructure,
            upperLayers('api', 'auth', 'db', 'activities', 'workflows', 'telephony', 'audio', 'contacts', 'lib'),
          ],
        },
      ],
    },
  },
  {
    files: ['activities/**/*.ts', 'db/**/*.ts', 'lib/**/*.ts', 'auth/**/*.ts', 'worker.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noApi] }] },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
