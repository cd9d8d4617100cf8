import { GeneratorServiceService, PROTO_SOURCES } from '@vela/contracts';
import { openDatabase } from '@vela/db';
import { InvalidArgumentError } from '@vela/errors';
import { startGrpcServiceOwning, type RunningGrpcService, type ServiceSettings, loadPlugins, pluginModules } from '@vela/grpc-server';
import { GeneratorController } from './generator.controller';
import { GeneratorModule } from './generator.module';

export interface GeneratorServeOptions extends ServiceSettings {
  /** Observations between state snapshots (see SearchServiceOptions); default `VELA_GENERATOR_SNAPSHOT_EVERY`, else DEFAULT_SNAPSHOT_EVERY. */
  readonly snapshotEvery?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: boolean;
}

/**
 * Boots the Generator service: picks the database (DATABASE_URL, else the embedded one),
 * applies pending migrations, serves GeneratorService with health and reflection. Used by
 * `apps/generator` and `vela serve generator` alike.
 */
export async function serveGenerator(options: GeneratorServeOptions): Promise<RunningGrpcService> {
  const env = options.env ?? process.env;
  loadPlugins(pluginModules(env));
  const snapshotEvery = options.snapshotEvery ?? snapshotEveryFromEnv(env);
  const database = await openDatabase({ env });
  return startGrpcServiceOwning(database, {
    name: 'generator',
    module: GeneratorModule.forRoot({ databaseUrl: database.url, snapshotEvery }),
    services: [{ serviceName: 'vela.v1.GeneratorService', definition: GeneratorServiceService, controller: GeneratorController }],
    protoSources: PROTO_SOURCES,
    host: options.host,
    port: options.port,
    token: options.token,
    logger: options.logger,
  });
}

function snapshotEveryFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env['VELA_GENERATOR_SNAPSHOT_EVERY'];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError(`must be an integer >= 0, got '${raw}'`, 'VELA_GENERATOR_SNAPSHOT_EVERY');
  return value;
}
