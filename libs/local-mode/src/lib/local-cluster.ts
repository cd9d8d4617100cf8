import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { openDatabase, type Database } from '@vela/db';
import { startServiceProcess, type ServiceProcess } from '@vela/grpc-server';

/** Entry points of the service processes local mode starts. */
export const SERVICE_ENTRIES = {
  report: 'apps/report/src/main.ts',
  generator: 'apps/generator/src/main.ts',
  pipeline: 'apps/pipeline/src/main.ts',
  worker: 'apps/trainer-worker/src/main.ts',
} as const;

export interface LocalClusterOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Trainer-workers to start (default 1). */
  readonly workers?: number;
  /** CPU slots (training processes) per worker; default: the host's cores shared among the workers (sharedSlotsPerWorker). */
  readonly slotsPerWorker?: number;
  /** Each service's output lines, with its name. */
  readonly onOutput?: (service: string, line: string) => void;
  readonly log?: (message: string) => void;
  /** Where the master resolves a config's relative paths (`local_base_path`, ...): the user's folder. */
  readonly workDir?: string;
}

export interface LocalCluster {
  readonly database: Database;
  /** The token every service of this cluster expects (random per run unless VELA_TOKEN is set). */
  readonly token: string;
  readonly services: Readonly<Record<string, ServiceProcess>>;
  readonly pipelineAddress: string;
  readonly reportAddress: string;
  /** Stops the workers, then the services, then the embedded database (if this cluster started one). */
  stop(): Promise<void>;
}

/**
 * Local workers all train on this host, so by default they share its cores: one training
 * process per core in all (at least one per worker), not one per core each, which would run
 * several trainings on every core.
 */
export function sharedSlotsPerWorker(workers: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / workers));
}

/**
 * Local mode (DESIGN.md): the database (DATABASE_URL, else an embedded Postgres started
 * here, migrated once), then Report and the generator, the master, and the trainer-workers,
 * each its own child process on a free loopback port, all sharing one token. Children find
 * the database through DATABASE_URL and each other through their addresses.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const env = options.env ?? process.env;
  const database = await openDatabase({ env, log: options.log });
  const token = env['VELA_TOKEN'] || randomBytes(18).toString('base64url');
  const base = { ...env, DATABASE_URL: database.url, VELA_TOKEN: token, VELA_HOST: '127.0.0.1' };
  const started: ServiceProcess[] = [];
  // Each service in its own process group (a terminal's Ctrl-C reaches only this process,
  // which cancels the run before stopping them); should this process exit without stopping
  // them, they are killed rather than left behind.
  const killLeftovers = () => started.forEach((service) => service.child.exitCode === null && service.child.signalCode === null && service.child.kill('SIGKILL'));
  process.on('exit', killLeftovers);
  const start = async (name: string, entry: string, cwd: string | undefined, extra: NodeJS.ProcessEnv) => {
    const service = await startServiceProcess({ name, entry, cwd, env: { ...base, ...extra }, onOutput: (line) => options.onOutput?.(name, line), ownProcessGroup: true });
    started.push(service);
    return service;
  };
  const stop = async () => {
    const workers = started.filter((service) => service.name.startsWith('worker'));
    await Promise.all(workers.map((service) => service.stop()));
    await Promise.all(started.filter((service) => !workers.includes(service)).map((service) => service.stop()));
    process.off('exit', killLeftovers);
    await database.close();
  };
  try {
    const [report, generator] = await Promise.all([
      start('report', SERVICE_ENTRIES.report, undefined, { VELA_REPORT_PORT: '0' }),
      start('generator', SERVICE_ENTRIES.generator, undefined, { VELA_GENERATOR_PORT: '0' }),
    ]);
    const pipeline = await start('pipeline', SERVICE_ENTRIES.pipeline, options.workDir, {
      VELA_PIPELINE_PORT: '0',
      VELA_REPORT_ADDRESS: report.address,
      VELA_GENERATOR_ADDRESS: generator.address,
    });
    const workers = options.workers ?? 1;
    const slots = options.slotsPerWorker ?? sharedSlotsPerWorker(workers);
    await Promise.all(
      Array.from({ length: workers }, (_, index) =>
        start(`worker-${index + 1}`, SERVICE_ENTRIES.worker, undefined, {
          VELA_WORKER_PORT: '0',
          VELA_WORKER_ID: `local-${index + 1}`,
          VELA_WORKER_CPU_SLOTS: String(slots),
          VELA_PIPELINE_ADDRESS: pipeline.address,
          VELA_REPORT_ADDRESS: report.address,
        }),
      ),
    );
    return {
      database,
      token,
      services: Object.fromEntries(started.map((service) => [service.name, service])),
      pipelineAddress: pipeline.address,
      reportAddress: report.address,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
