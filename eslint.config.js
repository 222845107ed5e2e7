import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { contractRules, roomRules } from './eslint.rooms.js';

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
  ...roomRules,
  ...contractRules,
);
