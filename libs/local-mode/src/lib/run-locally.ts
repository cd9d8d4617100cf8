import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  ObjectiveGoal,
  PipelineServiceService,
  ReportServiceService,
  RunState,
  StepState,
  type PipelineServiceServer,
  type ReportServiceServer,
  type Run,
} from '@vela/contracts';
import { InvalidArgumentError } from '@vela/errors';
import { createAsyncClient } from '@vela/grpc-server';
import { startLocalCluster, type LocalClusterOptions } from './local-cluster';

export interface RunLocallyOptions extends Omit<LocalClusterOptions, 'workDir'> {
  readonly configPath: string;
  readonly overrides?: readonly string[];
  /** Where progress and the summary go. */
  readonly out: (line: string) => void;
  /** Aborting cancels the run (its in-flight trials stop), then everything stops. */
  readonly signal?: AbortSignal;
}

export interface LocalRunResult {
  readonly run: Run;
  readonly succeeded: boolean;
  readonly cancelled: boolean;
}

const STEP_STATE: Record<number, string> = {
  [StepState.STEP_STATE_PENDING]: 'pending',
  [StepState.STEP_STATE_RUNNING]: 'running',
  [StepState.STEP_STATE_SUCCEEDED]: 'done',
  [StepState.STEP_STATE_FAILED]: 'FAILED',
  [StepState.STEP_STATE_CANCELLED]: 'cancelled',
};

/**
 * `vela run` / `npm start`: starts the local cluster, submits the config, shows progress
 * from WatchRun (one line per change), prints the result (each step's best trials and pareto
 * front, where the outputs are) and stops everything.
 */
export async function runLocally(options: RunLocallyOptions): Promise<LocalRunResult> {
  const configPath = resolve(options.configPath);
  const configYaml = await readFile(configPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InvalidArgumentError(`cannot read ${configPath}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, 'config');
  });
  options.out(`starting Vela locally (database, report, generator, pipeline, ${options.workers ?? 1} trainer-worker(s))...`);
  const cluster = await startLocalCluster({ ...options, workDir: process.cwd() });
  const pipeline = createAsyncClient<PipelineServiceServer>(PipelineServiceService, 'vela.v1.PipelineService', cluster.pipelineAddress, cluster.token);
  const report = createAsyncClient<ReportServiceServer>(ReportServiceService, 'vela.v1.ReportService', cluster.reportAddress, cluster.token);
  try {
    options.out(`  database   ${cluster.database.embedded ? `embedded Postgres (data in ${cluster.database.embedded.dataDir})` : 'DATABASE_URL'}`);
    for (const service of Object.values(cluster.services)) options.out(`  ${service.name.padEnd(10)} ${service.address}`);
    const created = (await pipeline.createRun({ configYaml, overrides: [...(options.overrides ?? [])], displayName: configPath, requestId: '', validateOnly: false })).run!;
    options.out(`run ${created.id}: ${created.steps.map((step) => `${step.id} (${step.pipeStepType})`).join(' → ')}`);
    const watching = new AbortController();
    const cancel = () => {
      options.out('cancelling the run (in-flight trials stop at their next step)...');
      void pipeline.cancelRun({ name: created.name, reason: 'interrupted (Ctrl-C)' }).catch(() => undefined);
    };
    options.signal?.addEventListener('abort', cancel, { once: true });
    let final = created;
    let lastLine = '';
    try {
      for await (const { run } of pipeline.watchRun({ name: created.name, afterRevision: 0 }, { signal: watching.signal })) {
        final = run!;
        const line = progressLine(final);
        if (line !== lastLine) options.out((lastLine = line));
      }
    } finally {
      options.signal?.removeEventListener('abort', cancel);
    }
    final = (await pipeline.getRun({ name: created.name })).run!;
    for (const line of await summary(final, report)) options.out(line);
    return { run: final, succeeded: final.state === RunState.RUN_STATE_SUCCEEDED, cancelled: final.state === RunState.RUN_STATE_CANCELLED };
  } finally {
    pipeline.close();
    report.close();
    await cluster.stop();
  }
}

function progressLine(run: Run): string {
  return run.steps
    .map((step) => {
      const counts = step.trialCounts;
      const inFlight = (counts?.pending ?? 0) + (counts?.leased ?? 0) + (counts?.running ?? 0);
      const detail = counts && (inFlight || counts.succeeded || counts.failed) ? ` ${counts.succeeded} done, ${inFlight} in flight${counts.failed ? `, ${counts.failed} failed` : ''}` : '';
      return `[${step.id}: ${STEP_STATE[step.state] ?? '?'}${detail}]`;
    })
    .join(' ');
}

async function summary(run: Run, report: ReturnType<typeof createAsyncClient<ReportServiceServer>>): Promise<string[]> {
  const state = RunState[run.state].replace('RUN_STATE_', '');
  const lines = ['', `run ${run.id} ${state}${run.error ? `: ${run.error}` : ''}`];
  for (const step of run.steps) {
    lines.push(`  ${step.id} (${step.pipeStepType}): ${STEP_STATE[step.state]}, ${step.trialCounts?.succeeded ?? 0} trial(s) succeeded${step.trialCounts?.failed ? `, ${step.trialCounts.failed} failed` : ''}`);
    if (step.state !== StepState.STEP_STATE_SUCCEEDED || step.objectives.length === 0) continue;
    const { points } = await report.paretoFront({ runId: run.id, stepId: step.id, objectives: step.objectives });
    const keys = step.objectives.map((objective) => `${objective.key} ${objective.goal === ObjectiveGoal.OBJECTIVE_GOAL_MINIMIZE ? '↓' : '↑'}`).join(', ');
    lines.push(`    pareto front (${keys}):`);
    for (const point of points.slice(0, 5)) {
      const record = point.record!;
      const values = record.objectives.map((objective) => `${objective.key}=${formatNumber(objective.value)}`).join(' ');
      const size = [record.params !== undefined ? `params=${formatNumber(record.params)}K` : '', record.flops !== undefined ? `flops=${formatNumber(record.flops)}G` : ''].filter(Boolean).join(' ');
      lines.push(`      trial ${record.trialNumber}: ${values}${size ? ` ${size}` : ''}`);
    }
    if (points.length > 5) lines.push(`      ... and ${points.length - 5} more`);
    lines.push(`    outputs: ${step.outputDir}`);
  }
  return lines;
}

function formatNumber(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
}
