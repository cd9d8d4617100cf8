import { openDatabase } from '@vela/db';
import { serviceSettingsFromEnv, type ServiceName, type ServiceSettings } from '@vela/grpc-server';

/** The flags every `vela serve <service>` takes; each stands for the variable the service reads. */
export interface ServeFlags {
  readonly host?: string;
  readonly port?: string;
  readonly token?: string;
  readonly databaseUrl?: string;
  readonly pipelineAddress?: string;
  readonly reportAddress?: string;
  readonly generatorAddress?: string;
}

export interface RunningService {
  readonly address: string;
  stop(): Promise<void>;
}

/** How a service starts: the shared settings and the environment it reads the rest from. */
export type ServiceStarter = (options: ServiceSettings & { readonly env: NodeJS.ProcessEnv }) => Promise<RunningService>;

/** The services `vela serve all` starts in one process, in this order (each after those it calls). */
export const ALL_SERVICES = ['report', 'generator', 'pipeline', 'dashboard'] as const;
type AllService = (typeof ALL_SERVICES)[number];

/**
 * The environment a served service reads, flags over variables: `--host` is VELA_HOST,
 * `--port` VELA_<SERVICE>_PORT, `--token` VELA_TOKEN, `--database-url` DATABASE_URL, and
 * `--pipeline-address` / `--report-address` / `--generator-address` the VELA_*_ADDRESS the
 * services find each other by.
 */
export function serveEnvironment(service: ServiceName | 'all', flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const set = (name: string, value: string | undefined) => (value === undefined ? {} : { [name]: value });
  return {
    ...env,
    ...set('VELA_HOST', flags.host),
    ...(service === 'all' ? {} : set(`VELA_${service.toUpperCase()}_PORT`, flags.port)),
    ...set('VELA_TOKEN', flags.token),
    ...set('DATABASE_URL', flags.databaseUrl),
    ...set('VELA_PIPELINE_ADDRESS', flags.pipelineAddress),
    ...set('VELA_REPORT_ADDRESS', flags.reportAddress),
    ...set('VELA_GENERATOR_ADDRESS', flags.generatorAddress),
  };
}

/** `vela serve <service>`: one service, settings from `env` (see serveEnvironment). */
export function serveOne(service: ServiceName, start: ServiceStarter, env: NodeJS.ProcessEnv): Promise<RunningService> {
  return start({ ...serviceSettingsFromEnv(service, env), env });
}

/**
 * `vela serve all`: Report, the generator, the master and the dashboard (those given) in this
 * one process, on one database opened here (DATABASE_URL, else the embedded one started
 * once, not by each service), each on its own port (VELA_<SERVICE>_PORT, default
 * DEFAULT_PORTS), each told the others' addresses. One process keeps a laptop or a single
 * server simple: one Ctrl-C stops everything in reverse order. Workers are left out: they
 * belong on the machines that train (`vela serve worker`).
 */
export async function serveAll(starters: Partial<Record<AllService, ServiceStarter>>, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<RunningService> {
  const database = await openDatabase({ env, log });
  const started: { name: string; service: RunningService }[] = [];
  const stop = async () => {
    for (const { service } of [...started].reverse()) await service.stop();
    await database.close();
  };
  try {
    const shared: NodeJS.ProcessEnv = { ...env, DATABASE_URL: database.url };
    for (const name of ALL_SERVICES) {
      const start = starters[name];
      if (!start) continue;
      // Each service finds those started before it (VELA_REPORT_ADDRESS, ...) in this process.
      const serviceEnv = { ...shared, ...Object.fromEntries(started.map(({ name: other, service }) => [`VELA_${other.toUpperCase()}_ADDRESS`, service.address])) };
      const service = await start({ ...serviceSettingsFromEnv(name, serviceEnv), env: serviceEnv });
      started.push({ name, service });
      if (name !== 'pipeline') log(`${name} listening on ${service.address}`);
    }
    return { address: started.find(({ name }) => name === 'pipeline')!.service.address, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
