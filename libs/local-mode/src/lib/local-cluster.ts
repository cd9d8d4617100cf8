import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '@vela/db';
import { startServiceProcess, type ServiceProcess } from '@vela/grpc-server';

/** The services local mode starts, with their entry points; later services join this table. */
export const LOCAL_SERVICES = [
  { name: 'report', entry: 'apps/report/src/main.ts', portVariable: 'VELA_REPORT_PORT' },
  { name: 'generator', entry: 'apps/generator/src/main.ts', portVariable: 'VELA_GENERATOR_PORT' },
] as const;

export interface LocalClusterOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Each service's output lines, prefixed with its name. */
  readonly onOutput?: (service: string, line: string) => void;
  readonly log?: (message: string) => void;
}

export interface LocalCluster {
  readonly database: Database;
  /** The token every service of this cluster expects (random per run unless VELA_TOKEN is set). */
  readonly token: string;
  readonly services: Readonly<Record<string, ServiceProcess>>;
  /** Stops the services, then the embedded database (if this cluster started one). */
  stop(): Promise<void>;
}

/**
 * Local mode (DESIGN.md): the database (DATABASE_URL, else an embedded Postgres started
 * here, migrated once) and every service as its own child process on a free loopback
 * port, all sharing one token. Children find the database through DATABASE_URL.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const env = options.env ?? process.env;
  const database = await openDatabase({ env, log: options.log });
  const token = env['VELA_TOKEN'] || randomBytes(18).toString('base64url');
  const started: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((service) => service.stop()));
    await database.close();
  };
  try {
    for (const service of LOCAL_SERVICES) {
      started.push(
        await startServiceProcess({
          name: service.name,
          entry: service.entry,
          env: { ...env, DATABASE_URL: database.url, VELA_TOKEN: token, VELA_HOST: '127.0.0.1', [service.portVariable]: '0' },
          onOutput: (line) => options.onOutput?.(service.name, line),
        }),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { database, token, services: Object.fromEntries(started.map((service) => [service.name, service])), stop };
}
