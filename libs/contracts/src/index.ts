// Public surface of @vela/contracts: the generated vela.v1 contracts (ts-proto, grpc-js
// services) and the helpers every service shares. Only this file re-exports generated code.
export * from './generated/vela/v1/algorithm_service';
export * from './generated/vela/v1/artifact';
export * from './generated/vela/v1/common';
export * from './generated/vela/v1/generator_service';
export * from './generated/vela/v1/pipeline_service';
export * from './generated/vela/v1/record';
export * from './generated/vela/v1/report_service';
export * from './generated/vela/v1/run';
export * from './generated/vela/v1/search';
export * from './generated/vela/v1/trial';
export * from './generated/vela/v1/worker';
export type { Duration } from './generated/google/protobuf/duration';
export * from './lib/durations';
export * from './lib/page-token';
export * from './lib/proto-files';
export * from './lib/resource-names';
export * from './lib/converters/enum.converter';
export * from './lib/converters/record.converter';
export * from './lib/converters/record-query.converter';
export * from './lib/converters/artifact.converter';
export * from './lib/converters/search.converter';
