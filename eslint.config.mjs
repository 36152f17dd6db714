import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Pure libs carry the product's logic; keeping them free of Nest, databases
// and the network is what lets them be tested alone and reused by the agent.
const NOT_IN_PURE_LIBS = ['@nestjs/*', '@prisma/*', 'pg', 'ioredis', 'bullmq', 'express', 'node:net', 'node:http', 'node:https', 'net', 'http', 'https'];

// Hub files the production-code rules below do not apply to: test helpers, specs, chaos scenarios,
// fixtures and generated code.
const HUB_NOT_PRODUCTION = [
  'apps/hub/src/testing/**',
  'apps/hub/src/generated/**',
  'apps/hub/src/**/*.spec.ts',
  'apps/hub/src/**/*.chaos.ts',
  'apps/hub/src/**/*fixture.ts',
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
  {
    // Data access lives in repositories (issue 16, as immich's server/src/repositories): every Prisma
    // or pg call of the hub is in a <feature>/<aggregate>.repository.ts; services hold the logic and
    // controllers, guards, interceptors, processors and views call them. Only database/ (the clients
    // themselves), testing/, specs, chaos scenarios and fixtures (which seed and inspect the database) are exempt.
    files: ['apps/hub/src/**/*.ts'],
    ignores: ['apps/hub/src/**/*.repository.ts', 'apps/hub/src/database/**', ...HUB_NOT_PRODUCTION],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'pg', message: 'SQL belongs in a repository (<feature>/*.repository.ts)', allowTypeImports: true }],
          patterns: [
            {
              group: ['**/database/prisma.service', '**/database/ingest-prisma.service', '**/database/read-replica.service', '**/database/pg-client'],
              message: 'data access belongs in a repository (<feature>/*.repository.ts)',
            },
            // Row types may shape a view or a repository's arguments; queries may not run here.
            {
              group: ['**/generated/prisma/*', '@prisma/*'],
              message: 'data access belongs in a repository (<feature>/*.repository.ts)',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // One config (issue 16): the hub reads its environment in config/ only, validated once (hub-config.ts).
    files: ['apps/hub/src/**/*.ts'],
    ignores: ['apps/hub/src/config/**', ...HUB_NOT_PRODUCTION],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'settings are read in apps/hub/src/config (hub-config.ts), validated once and injected' },
      ],
    },
  },
];
