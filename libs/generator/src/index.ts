// Public surface of @vela/generator: the Generator service's Nest module, its search
// service (testable without gRPC) and the bootstrap `apps/generator` and `vela serve` share.
export * from './lib/generator.controller';
export * from './lib/generator.module';
export * from './lib/remote.algorithm';
export * from './lib/search-algorithm';
export * from './lib/search.service';
export * from './lib/serve-generator';
