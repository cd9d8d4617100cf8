// Public surface of @vela/dashboard; the API's JSON types are also `@vela/dashboard/api`.
export * from './api';
export * from './lib/charts';
export * from './lib/dashboard.module';
export * from './lib/dashboard.service';
export * from './lib/run-index';
export * from './lib/serve-dashboard';
export * from './lib/trial-query';
export * from './lib/web-build';
