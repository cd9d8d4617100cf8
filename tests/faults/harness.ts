import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GeneratorServiceService,
  PipelineServiceService,
  ReportServiceService,
  type GeneratorServiceServer,
  type PipelineServiceServer,
  type ReportServiceServer,
  RunState,
  type Run,
} from '@vela/contracts';
import { createAsyncClient, startServiceProcess, type AsyncClient, type ServiceProcess } from '@vela/grpc-server';
import { Client } from 'pg';

// Fault tests drive real processes (report, generator, master, trainer-workers) on a real
// Postgres and break them on purpose: SIGKILL a process, restart it on the same port (so its
// neighbours find it again), cut the database connections.

export const TOKEN = 'faults-token';

const ENTRIES = {
  report: 'apps/report/src/main.ts',
  generator: 'apps/generator/src/main.ts',
  pipeline: 'apps/pipeline/src/main.ts',
  worker: 'apps/trainer-worker/src/main.ts',
} as const;

type ServiceName = 'report' | 'generator' | 'pipeline';

export interface FaultCluster {
  readonly workDir: string;
  readonly databaseUrl: string;
  readonly clients: {
    readonly pipeline: AsyncClient<PipelineServiceServer>;
    readonly report: AsyncClient<ReportServiceServer>;
    readonly generator: AsyncClient<GeneratorServiceServer>;
  };
  service(name: ServiceName): ServiceProcess;
  /** SIGKILL the service (no shutdown hooks run) and wait until it has exited. */
  kill(name: ServiceName): Promise<void>;
  /** Starts the service again on the port it had, with fresh clients. */
  restart(name: ServiceName): Promise<void>;
  /** A trainer-worker process with a stable id and `slots` CPU slots. */
  startWorker(id: string, slots?: number): Promise<ServiceProcess>;
  /** SIGKILL a worker process; its training processes end with it (they exit when their IPC channel closes). */
  killWorker(worker: ServiceProcess): Promise<void>;
  /** Every process's last output, for failure messages. */
  outputs(): string;
  stop(): Promise<void>;
}

/** With FAULTS_LOG_DIR set, every process's whole output goes to `<dir>/<name>.log` (for debugging). */
const logTo = (name: string) => (process.env['FAULTS_LOG_DIR'] ? (line: string) => appendFileSync(join(process.env['FAULTS_LOG_DIR']!, `${name}.log`), `${line}\n`) : undefined);

const portOf = (address: string) => address.slice(address.lastIndexOf(':') + 1);

export async function startFaultCluster(databaseUrl: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<FaultCluster> {
  const workDir = await mkdtemp(join(tmpdir(), 'vela-faults-'));
  const base: NodeJS.ProcessEnv = { DATABASE_URL: databaseUrl, VELA_TOKEN: TOKEN, VELA_HOST: '127.0.0.1', VELA_ARTIFACT_ROOT: join(workDir, 'artifacts'), ...extraEnv };
  const all: ServiceProcess[] = [];
  const services = new Map<ServiceName, ServiceProcess>();
  const ports = new Map<ServiceName, string>();
  const envOf = (name: ServiceName): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...base, [`VELA_${name.toUpperCase()}_PORT`]: ports.get(name) ?? '0' };
    if (name === 'pipeline') {
      env['VELA_REPORT_ADDRESS'] = services.get('report')!.address;
      env['VELA_GENERATOR_ADDRESS'] = services.get('generator')!.address;
    }
    return env;
  };
  const start = async (name: ServiceName) => {
    const service = await startServiceProcess({ name, entry: ENTRIES[name], env: envOf(name), startTimeoutMs: 90000, onOutput: logTo(name) });
    all.push(service);
    services.set(name, service);
    ports.set(name, portOf(service.address));
    return service;
  };
  const clients = {} as { pipeline: AsyncClient<PipelineServiceServer>; report: AsyncClient<ReportServiceServer>; generator: AsyncClient<GeneratorServiceServer> };
  const connect = (name: ServiceName) => {
    const address = services.get(name)!.address;
    if (name === 'pipeline') {
      clients.pipeline?.close();
      clients.pipeline = createAsyncClient<PipelineServiceServer>(PipelineServiceService, 'vela.v1.PipelineService', address, TOKEN);
    } else if (name === 'report') {
      clients.report?.close();
      clients.report = createAsyncClient<ReportServiceServer>(ReportServiceService, 'vela.v1.ReportService', address, TOKEN);
    } else {
      clients.generator?.close();
      clients.generator = createAsyncClient<GeneratorServiceServer>(GeneratorServiceService, 'vela.v1.GeneratorService', address, TOKEN);
    }
  };
  const killProcess = async (service: ServiceProcess) => {
    const { child } = service;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };

  const stop = async () => {
    Object.values(clients).forEach((client) => client?.close());
    const workers = all.filter((service) => service.name.startsWith('worker'));
    await Promise.all(workers.map((service) => service.stop(5000)));
    await Promise.all(all.filter((service) => !workers.includes(service)).map((service) => service.stop(5000)));
    await rm(workDir, { recursive: true, force: true });
  };

  try {
    await Promise.all([start('report'), start('generator')]);
    await start('pipeline');
  } catch (error) {
    await stop();
    throw error;
  }
  (['pipeline', 'report', 'generator'] as const).forEach(connect);

  return {
    workDir,
    databaseUrl,
    clients,
    service: (name) => services.get(name)!,
    kill: (name) => killProcess(services.get(name)!),
    async restart(name) {
      await killProcess(services.get(name)!);
      await start(name);
      connect(name);
    },
    async startWorker(id, slots = 1) {
      const worker = await startServiceProcess({
        name: `worker-${id}`,
        entry: ENTRIES.worker,
        onOutput: logTo(`worker-${id}`),
        startTimeoutMs: 90000,
        env: {
          ...base,
          VELA_WORKER_PORT: '0',
          VELA_WORKER_ID: id,
          VELA_WORKER_CPU_SLOTS: String(slots),
          VELA_WORKER_ACQUIRE_WAIT_MS: '1000',
          VELA_WORKER_DRAIN_MS: '2000',
          // Every epoch reported at once, so a test can catch a trial RUNNING mid-way.
          VELA_WORKER_PROGRESS_MS: '0',
          VELA_PIPELINE_ADDRESS: services.get('pipeline')!.address,
          VELA_REPORT_ADDRESS: services.get('report')!.address,
        },
      });
      all.push(worker);
      return worker;
    },
    async killWorker(worker) {
      const children = childPids(worker.child.pid!);
      await killProcess(worker);
      await until('the training processes of the killed worker to exit', async () => (children.every((pid) => !alive(pid)) ? true : undefined), 15000);
    },
    outputs: () => all.map((service) => `--- ${service.name} (${service.address})\n${service.outputTail()}`).join('\n'),
    stop,
  };
}

/** The direct children of a process (Linux: /proc). */
export function childPids(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** One query on its own connection (so that cutting the services' connections never cuts the test's). */
export async function sql<T = Record<string, unknown>>(databaseUrl: string, text: string, values: unknown[] = []): Promise<T[]> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    return (await pg.query(text, values)).rows as T[];
  } finally {
    await pg.end();
  }
}

export async function createRun(cluster: FaultCluster, configYaml: string, displayName = 'faults'): Promise<Run> {
  const { run } = await cluster.clients.pipeline.createRun({ configYaml, overrides: [], displayName, requestId: '', validateOnly: false });
  return run!;
}

const ENDED = new Set([RunState.RUN_STATE_SUCCEEDED, RunState.RUN_STATE_FAILED, RunState.RUN_STATE_CANCELLED]);

/** Waits for the run to end (any terminal state) and returns it from the database's view through GetRun. */
export async function runEnded(cluster: FaultCluster, runName: string, timeoutMs = 90000): Promise<Run> {
  return until(
    `${runName} to end`,
    async () => {
      const dead = (['report', 'generator', 'pipeline'] as const).filter((name) => cluster.service(name).child.exitCode !== null || cluster.service(name).child.signalCode !== null);
      if (dead.length) throw new Error(`${dead.join(', ')} exited while ${runName} was running:\n${cluster.outputs()}`);
      const run = await cluster.clients.pipeline
        .getRun({ name: runName })
        .then((answer) => answer.run)
        .catch(() => undefined);
      return run && ENDED.has(run.state) ? run : undefined;
    },
    timeoutMs,
    300,
  );
}

/** A small search step on synthetic data, trained by real workers with a tiny MLP. */
export function tinySearch(workDir: string, options: { samples: number; inFlight: number; epochs?: number; numSamples?: number; retries?: number; seed?: number; extraSpace?: string }): string {
  return `
general:
  seed: ${options.seed ?? 11}
  task: { local_base_path: ${workDir} }
  limits: { trials_in_flight: ${options.inFlight}, max_retries: ${options.retries ?? 2} }
pipeline: [hpo]
hpo:
  pipe_step: { type: SearchPipeStep }
  dataset: { type: Synthetic, common: { num_samples: ${options.numSamples ?? 64}, num_test: 32, image_size: [4, 4, 1], num_class: 2, batch_size: 16 } }
  search_space:
    hyperparameters:
      - { key: trainer.optimizer.params.lr, type: FLOAT_EXP, range: [1e-3, 1e-1] }${options.extraSpace ?? ''}
  search_algorithm: { type: RandomSearch, policy: { num_sample: ${options.samples} }, objective_keys: accuracy }
  model: { model_desc: { modules: [backbone], backbone: { type: MLP, hidden_units: [8], num_class: 2 } } }
  trainer: { type: Trainer, epochs: ${options.epochs ?? 2}, optimizer: { type: SGD, params: { lr: 0.01 } } }
`;
}

/** The run's trials, its search and every process's last output: what a failed fault test needs to say. */
export async function diagnose(cluster: FaultCluster, runId: string): Promise<string> {
  const trials = await sql(cluster.databaseUrl, 'SELECT number, state::text, attempt, lease_owner, lease_expires_at, progress_epoch, forwarded_attempt, forwarded_state, forwarded_epoch, error FROM trials WHERE run_id = $1 ORDER BY number', [runId]).catch((e: Error) => e.message);
  const runs = await sql(cluster.databaseUrl, 'SELECT r.state::text, r.error, s.name, s.state::text AS step_state, s.search_completed, s.wait_reason FROM runs r JOIN steps s ON s.run_id = r.id WHERE r.id = $1', [runId]).catch((e: Error) => e.message);
  const searches = await sql(cluster.databaseUrl, 'SELECT observed_seq, suggestion_count, completed FROM searches WHERE run_id = $1', [runId]).catch((e: Error) => e.message);
  const workers = await sql(cluster.databaseUrl, 'SELECT id, state::text, last_heartbeat_at FROM workers').catch((e: Error) => e.message);
  return `run: ${JSON.stringify(runs)}\ntrials: ${JSON.stringify(trials, null, 1)}\nsearch: ${JSON.stringify(searches)}\nworkers: ${JSON.stringify(workers)}\n${cluster.outputs()}`;
}

/** runEnded, or an error that carries the diagnosis. */
export async function runEndedOrDiagnose(cluster: FaultCluster, run: Run, timeoutMs = 90000): Promise<Run> {
  try {
    return await runEnded(cluster, run.name, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await diagnose(cluster, run.id)}`);
  }
}

/** Fails with the diagnosis unless the run SUCCEEDED. */
export async function expectSucceeded(cluster: FaultCluster, run: Run): Promise<void> {
  if (run.state !== RunState.RUN_STATE_SUCCEEDED) {
    throw new Error(`${run.name} ended ${RunState[run.state]}: ${run.error}\n${await diagnose(cluster, run.name.replace(/^runs\//, ''))}`);
  }
}
