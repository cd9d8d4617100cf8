export * from './lib/errors';
export * from './lib/closest-match';
export * from './lib/batch-items';
