import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.stack/**', 'schemas/src/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  { files: ['scripts/**', 'test/**', '**/*.test.ts', '**/bench/**', '**/cli/**', '**/*.mjs', 'services/admin-tasks/**', 'packages/dlq-cli/**'], rules: { 'no-console': 'off' } },
  {
    files: ['services/*/src/domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@notify/runtime', '@notify/stores', '@notify/controls', '@notify/http', 'kafkajs', '@kafkajs/*', 'mongodb', 'ioredis', 'express', 'pino', 'prom-client'],
              message: 'Domain code imports @notify/core and @notify/schemas only: no Kafka runtime, stores, drivers or servers. Take what it needs from the outside as a port.',
            },
          ],
        },
      ],
    },
  },
);
