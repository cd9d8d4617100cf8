/** Injection tokens of the pipeline module's gRPC clients and settings. */
export const GENERATOR_CLIENT = Symbol('GENERATOR_CLIENT');
export const REPORT_CLIENT = Symbol('REPORT_CLIENT');
