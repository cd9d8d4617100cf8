export * from './lib/async-handlers';
export * from './lib/auth';
export * from './lib/bootstrap';
export * from './lib/error-mapping';
export * from './lib/service-settings';
export * from './lib/client';
export * from './lib/service-process';
export * from './lib/plugins';
