// Public surface of @vela/testing.
export * from './lib/database';
export * from './lib/fixtures';
export * from './lib/query-plan';
