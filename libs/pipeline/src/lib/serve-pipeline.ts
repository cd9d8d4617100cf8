import { InvalidArgumentError } from '@vela/errors';
import { PROTO_SOURCES, PipelineServiceService } from '@vela/contracts';
import { openDatabase } from '@vela/db';
import { DEFAULT_PORTS, startGrpcServiceOwning, type RunningGrpcService, type ServiceSettings, loadPlugins, pluginModules } from '@vela/grpc-server';
import { PipelineController } from './pipeline.controller';
import { PipelineModule } from './pipeline.module';

export interface PipelineServeOptions extends ServiceSettings {
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: boolean;
}

/**
 * Boots the master: picks the database (DATABASE_URL, else the embedded one), applies
 * migrations, connects to the generator (VELA_GENERATOR_ADDRESS) and Report
 * (VELA_REPORT_ADDRESS), serves PipelineService, and drives every unfinished run. Lease
 * length and heartbeat interval come from VELA_LEASE_SECONDS (60) and
 * VELA_HEARTBEAT_SECONDS (lease / 6).
 */
export async function servePipeline(options: PipelineServeOptions): Promise<RunningGrpcService> {
  const env = options.env ?? process.env;
  loadPlugins(pluginModules(env));
  const leaseSeconds = positiveNumber(env, 'VELA_LEASE_SECONDS', 60);
  const heartbeatSeconds = positiveNumber(env, 'VELA_HEARTBEAT_SECONDS', Math.max(1, leaseSeconds / 6));
  const database = await openDatabase({ env });
  return startGrpcServiceOwning(database, {
    name: 'pipeline',
    module: PipelineModule.forRoot({
      databaseUrl: database.url,
      generatorAddress: env['VELA_GENERATOR_ADDRESS'] || `127.0.0.1:${DEFAULT_PORTS.generator}`,
      reportAddress: env['VELA_REPORT_ADDRESS'] || `127.0.0.1:${DEFAULT_PORTS.report}`,
      token: options.token,
      queue: { leaseSeconds, heartbeatSeconds },
    }),
    services: [{ serviceName: 'vela.v1.PipelineService', definition: PipelineServiceService, controller: PipelineController }],
    protoSources: PROTO_SOURCES,
    host: options.host,
    port: options.port,
    token: options.token,
    logger: options.logger,
  });
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`must be a positive number of seconds, got '${raw}'`, name);
  return value;
}
