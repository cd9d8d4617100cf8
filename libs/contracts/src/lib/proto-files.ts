import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Where the .proto sources live, for whatever loads them at run time (server reflection via
 * `@grpc/proto-loader`, tools). The generated TypeScript does not need them; reflection does,
 * so a deployment must ship `proto/` beside `libs/`.
 */

/** The absolute path of `proto/`, the root Vela's imports are relative to (`vela/v1/run.proto`). */
export const PROTO_ROOT = resolve(__dirname, '../../../../proto');

/** The vendored non-well-known imports (`google/api/field_behavior.proto`, `grpc/health/v1/health.proto`). */
export const THIRD_PARTY_PROTO_ROOT = join(PROTO_ROOT, 'third_party');

/** The gRPC health-checking protocol, vendored for clients in other languages. */
export const HEALTH_PROTO_FILE = 'grpc/health/v1/health.proto';

/** Every `vela.v1` file, relative to {@link PROTO_ROOT}, sorted. */
export const VELA_PROTO_FILES: readonly string[] = Object.freeze(
  readdirSync(join(PROTO_ROOT, 'vela', 'v1'))
    .filter((file) => file.endsWith('.proto'))
    .sort()
    .map((file) => `vela/v1/${file}`),
);

/**
 * The files and include directories that load every Vela contract plus health with
 * `protoLoader.loadSync(files, { includeDirs })`. The well-known types
 * (`google/protobuf/*.proto`) are built into protobufjs, so no directory is needed for them.
 * The shape matches `ProtoSources` of `@vela/grpc-server`.
 */
export const PROTO_SOURCES: { readonly files: readonly string[]; readonly includeDirs: readonly string[] } = Object.freeze({
  files: Object.freeze([...VELA_PROTO_FILES, HEALTH_PROTO_FILE]),
  includeDirs: Object.freeze([PROTO_ROOT, THIRD_PARTY_PROTO_ROOT]),
});
