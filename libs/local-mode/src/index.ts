export * from './lib/local-cluster';
