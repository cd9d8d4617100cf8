export * from './lib/local-cluster';
export * from './lib/progress';
export * from './lib/run-locally';
