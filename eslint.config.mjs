import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Pure libs carry the product's logic; keeping them free of Nest, databases
// and the network is what lets them be tested alone and reused by the agent.
const NOT_IN_PURE_LIBS = [
  '@nestjs/*',
  '@prisma/*',
  'pg',
  'ioredis',
  'bullmq',
  'express',
  'node:net',
  'node:http',
  'node:https',
  'net',
  'http',
  'https',
];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', '.nx/**', 'apps/web/build/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['scope:lib'] },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:lib', 'scope:tools'] },
            {
              sourceTag: 'type:pure',
              onlyDependOnLibsWithTags: ['type:pure'],
              bannedExternalImports: NOT_IN_PURE_LIBS,
            },
            {
              // The contract lib: generated message types and the grpc-js
              // service descriptors both apps need; still nothing else.
              sourceTag: 'type:contract',
              onlyDependOnLibsWithTags: [],
              bannedExternalImports: NOT_IN_PURE_LIBS,
            },
            { sourceTag: 'scope:lib', onlyDependOnLibsWithTags: ['scope:lib'] },
          ],
        },
      ],
    },
  },
];
