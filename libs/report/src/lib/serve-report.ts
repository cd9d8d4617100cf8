import { dirname, join } from 'node:path';
import { PROTO_SOURCES, ReportServiceService } from '@vela/contracts';
import { defaultDataDir, openDatabase } from '@vela/db';
import { startGrpcServiceOwning, type RunningGrpcService, type ServiceSettings } from '@vela/grpc-server';
import { ReportController } from './report.controller';
import { ReportModule } from './report.module';

export interface ReportServeOptions extends ServiceSettings {
  /** Where artifacts are stored; default `<VELA_HOME>/artifacts`. */
  readonly artifactRoot?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: boolean;
}

/**
 * Boots the Report service: picks the database (DATABASE_URL, else the embedded one),
 * applies pending migrations, serves ReportService with health and reflection. Used by
 * `apps/report` and `vela serve report` alike.
 */
export async function serveReport(options: ReportServeOptions): Promise<RunningGrpcService> {
  const env = options.env ?? process.env;
  const database = await openDatabase({ env });
  const artifactRoot = options.artifactRoot ?? env['VELA_ARTIFACT_ROOT'] ?? join(dirname(defaultDataDir(env)), 'artifacts');
  return startGrpcServiceOwning(database, {
    name: 'report',
    module: ReportModule.forRoot({ databaseUrl: database.url, artifactRoot }),
    services: [{ serviceName: 'vela.v1.ReportService', definition: ReportServiceService, controller: ReportController }],
    protoSources: PROTO_SOURCES,
    host: options.host,
    port: options.port,
    token: options.token,
    logger: options.logger,
  });
}
