export * from './lib/local-cluster';
export * from './lib/run-locally';
