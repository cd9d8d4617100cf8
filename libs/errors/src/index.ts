export * from './lib/errors';
export * from './lib/closest-match';
