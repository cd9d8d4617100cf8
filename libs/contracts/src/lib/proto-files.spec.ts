import { loadSync } from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { HEALTH_PROTO_FILE, PROTO_ROOT, PROTO_SOURCES, VELA_PROTO_FILES } from './proto-files';

describe('proto files', () => {
  it('points at the proto root and lists every vela.v1 file', () => {
    expect(isAbsolute(PROTO_ROOT)).toBe(true);
    expect(existsSync(join(PROTO_ROOT, 'buf.yaml'))).toBe(true);
    expect(VELA_PROTO_FILES).toEqual(
      expect.arrayContaining(['vela/v1/pipeline_service.proto', 'vela/v1/generator_service.proto', 'vela/v1/algorithm_service.proto', 'vela/v1/report_service.proto', 'vela/v1/trial.proto']),
    );
    expect(PROTO_SOURCES.files).toContain(HEALTH_PROTO_FILE);
  });

  it('loads with @grpc/proto-loader: every service, the vendored imports and the well-known types', () => {
    const definitions = loadSync([...PROTO_SOURCES.files], { includeDirs: [...PROTO_SOURCES.includeDirs] });
    for (const service of ['PipelineService', 'GeneratorService', 'AlgorithmService', 'ReportService']) {
      expect(definitions[`vela.v1.${service}`]).toBeDefined();
    }
    expect(definitions['grpc.health.v1.Health']).toBeDefined();
    expect(definitions['google.protobuf.Struct']).toBeDefined();
    expect(definitions['google.api.FieldBehavior']).toBeDefined();
    const report = definitions['vela.v1.ReportService'] as Record<string, { requestStream: boolean; responseStream: boolean }>;
    expect(report.UploadArtifact).toMatchObject({ requestStream: true, responseStream: false });
    expect(report.WatchRecords).toMatchObject({ requestStream: false, responseStream: true });
  });
});
