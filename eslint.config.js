import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { contractRules, roomRules } from './eslint.rooms.js';

// TypeScript types Object.assign for at most three sources; with more it returns `any`, unchecked.
const ASSIGN_ARITY = {
  selector: "CallExpression[callee.object.name='Object'][callee.property.name='assign'][arguments.length>4]",
  message: 'Object.assign with more than three sources returns `any`: copy in two typed steps.',
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'plugin/**', '.tsbuild/**', 'test/artifacts/**', '**/coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['sidecar/src/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ASSIGN_ARITY] },
  },
  {
    // Where objects are made per image, row, use, request or AWS call: on Node 20 a literal that starts with a spread
    // and names a field after it gets a hidden class of its own (docs/architecture.md). Name a field first, or copy
    // with Object.assign. Configuration, made once, may spread.
    files: ['sidecar/src/{aws,refresh,snapshot,query,metrics,cost,uses,http,cleanup/plan,cleanup/execute}/**/*.ts'],
    ignores: ['sidecar/src/cleanup/plan/config.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ASSIGN_ARITY,
        {
          selector: 'ObjectExpression > SpreadElement:first-child ~ Property',
          message: 'An object literal that starts with a spread and names a field after it gets a hidden class of its own: name a field first, or use Object.assign (docs/architecture.md).',
        },
      ],
    },
  },
  ...roomRules,
  ...contractRules,
);
