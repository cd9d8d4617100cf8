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
} from '@vela/contracts';
import { createAsyncClient, startServiceProcess, type AsyncClient, type ServiceProcess } from '@vela/grpc-server';

export const TOKEN = 'cluster-token';

/** Report, generator and the master as real processes on one database, with clients for each. */
export interface TestCluster {
  readonly workDir: string;
  readonly report: ServiceProcess;
  readonly generator: ServiceProcess;
  pipeline: ServiceProcess;
  readonly env: NodeJS.ProcessEnv;
  readonly clients: {
    pipeline: AsyncClient<PipelineServiceServer>;
    report: AsyncClient<ReportServiceServer>;
    generator: AsyncClient<GeneratorServiceServer>;
  };
  /** Stops the master and starts it again on the same database, `downMs` later (a master restart). */
  restartPipeline(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestCluster(databaseUrl: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<TestCluster> {
  const workDir = await mkdtemp(join(tmpdir(), 'vela-cluster-'));
  const base = { DATABASE_URL: databaseUrl, VELA_TOKEN: TOKEN, VELA_ARTIFACT_ROOT: join(workDir, 'artifacts'), ...extraEnv };
  const [report, generator] = await Promise.all([
    startServiceProcess({ name: 'report', entry: 'apps/report/src/main.ts', env: { ...base, VELA_REPORT_PORT: '0' } }),
    startServiceProcess({ name: 'generator', entry: 'apps/generator/src/main.ts', env: { ...base, VELA_GENERATOR_PORT: '0' } }),
  ]);
  const env = { ...base, VELA_REPORT_ADDRESS: report.address, VELA_GENERATOR_ADDRESS: generator.address };
  const startPipeline = () => startServiceProcess({ name: 'pipeline', entry: 'apps/pipeline/src/main.ts', env: { ...env, VELA_PIPELINE_PORT: '0' } });
  const cluster: TestCluster = {
    workDir,
    report,
    generator,
    pipeline: await startPipeline(),
    env,
    clients: {
      pipeline: undefined as never,
      report: createAsyncClient<ReportServiceServer>(ReportServiceService, 'vela.v1.ReportService', report.address, TOKEN),
      generator: createAsyncClient<GeneratorServiceServer>(GeneratorServiceService, 'vela.v1.GeneratorService', generator.address, TOKEN),
    },
    async restartPipeline(downMs = 0) {
      cluster.clients.pipeline.close();
      await cluster.pipeline.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      cluster.pipeline = await startPipeline();
      cluster.clients.pipeline = createAsyncClient<PipelineServiceServer>(PipelineServiceService, 'vela.v1.PipelineService', cluster.pipeline.address, TOKEN);
    },
    async stop() {
      Object.values(cluster.clients).forEach((client) => client.close());
      await Promise.all([cluster.pipeline.stop(), report.stop(), generator.stop()]);
      await rm(workDir, { recursive: true, force: true });
    },
  };
  cluster.clients.pipeline = createAsyncClient<PipelineServiceServer>(PipelineServiceService, 'vela.v1.PipelineService', cluster.pipeline.address, TOKEN);
  return cluster;
}

/** A small search config on synthetic data, written where the cluster keeps its files. */
export function searchConfig(workDir: string, options: { samples?: number; inFlight?: number; maxTrials?: number; gpus?: number; algorithm?: string; maxFailed?: number; earlyStopping?: string } = {}): string {
  return `
general:
  seed: 3
  task: { local_base_path: ${workDir} }
  limits: { trials_in_flight: ${options.inFlight ?? 2}, max_retries: 1${options.maxFailed === undefined ? '' : `, max_failed_trials: ${options.maxFailed}`}${options.maxTrials === undefined ? '' : `, max_trials: ${options.maxTrials}`} }
pipeline: [hpo]
hpo:
  pipe_step: { type: SearchPipeStep }
  dataset: { type: Synthetic, common: { num_samples: 64, num_test: 32, image_size: [4, 4, 1], num_class: 2, batch_size: 16 } }
  search_space:
    hyperparameters:
      - { key: trainer.optimizer.params.lr, type: FLOAT_EXP, range: [1e-3, 1e-1] }
  search_algorithm: { type: ${options.algorithm ?? 'RandomSearch'}, policy: { num_sample: ${options.samples ?? 3} }, objective_keys: accuracy${options.earlyStopping ? `, early_stopping: ${options.earlyStopping}` : ''} }
  model: { model_desc: { modules: [backbone], backbone: { type: MLP, hidden_units: [8], num_class: 2 } } }
  trainer:
    type: Trainer
    epochs: 2
    optimizer: { type: SGD, params: { lr: 0.01 } }${options.gpus ? `\n    resources: { gpus: ${options.gpus} }` : ''}
`;
}

/** Polls `probe` every 200 ms until it gives a value, failing with `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
