export * from './lib/record.types';
export * from './lib/record-validation';
export * from './lib/artifact.types';
