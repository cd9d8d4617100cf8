import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  PipelineServiceService,
  RecordOrder,
  ReportServiceService,
  RunState,
  StepState,
  type PipelineServiceServer,
  type ReportServiceServer,
  type Run,
} from '@vela/contracts';
import { enumLabel, objectiveLabel, objectiveValue, resultsTable, unsuccessfulCounts } from '@vela/cli';
import { InvalidArgumentError } from '@vela/errors';
import { createAsyncClient, type AsyncClient } from '@vela/grpc-server';
import { startLocalCluster, type LocalClusterOptions } from './local-cluster';
import { ProgressDisplay, type BestResult, type ProgressTerminal } from './progress';

export interface RunLocallyOptions extends Omit<LocalClusterOptions, 'workDir'> {
  readonly configPath: string;
  readonly overrides?: readonly string[];
  /** Where progress and the summary go. */
  readonly out: (line: string) => void;
  /** When this is a terminal, progress is drawn there as bars redrawn in place (else plain lines go to `out`). */
  readonly terminal?: ProgressTerminal;
  /** Aborting cancels the run (its in-flight trials stop), then everything stops. */
  readonly signal?: AbortSignal;
}

export interface LocalRunResult {
  readonly run: Run;
  readonly succeeded: boolean;
  readonly cancelled: boolean;
}

/** How long a cancelled run may take to settle before the services are stopped anyway. */
const CANCEL_SETTLE_MS = 20000;
/** Pareto points the summary shows per step. */
const SUMMARY_POINTS = 5;

/**
 * `vela run` / `npm start`: starts the local cluster, submits the config, shows progress
 * from WatchRun (bars on a terminal, else a line per change) with each step's best result
 * so far, prints the result (each step's pareto front, where the outputs are) and stops
 * everything. Aborting `signal` cancels the run through CancelRun first.
 */
export async function runLocally(options: RunLocallyOptions): Promise<LocalRunResult> {
  const configPath = resolve(options.configPath);
  const configYaml = await readFile(configPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InvalidArgumentError(`cannot read ${configPath}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, 'config');
  });
  const display = new ProgressDisplay(options.out, options.terminal);
  const { log, onOutput } = options;
  options.out(`starting Vela locally (database, report, generator, pipeline, ${options.workers ?? 1} trainer-worker(s))...`);
  const cluster = await startLocalCluster({
    ...options,
    log: log && ((message) => display.aside(() => log(message))),
    onOutput: onOutput && ((service, line) => display.aside(() => onOutput(service, line))),
    workDir: process.cwd(),
  });
  const pipeline = createAsyncClient<PipelineServiceServer>(PipelineServiceService, 'vela.v1.PipelineService', cluster.pipelineAddress, cluster.token);
  const report = createAsyncClient<ReportServiceServer>(ReportServiceService, 'vela.v1.ReportService', cluster.reportAddress, cluster.token);
  const watching = new AbortController();
  let created!: Run;
  let settleTimer: NodeJS.Timeout | undefined;
  const cancel = () => {
    display.aside(() => options.out('cancelling the run (in-flight trials stop at their next step)...'));
    settleTimer = setTimeout(() => watching.abort(), CANCEL_SETTLE_MS);
    void pipeline.cancelRun({ name: created.name, reason: 'interrupted (Ctrl-C)' }, { timeoutMs: CANCEL_SETTLE_MS }).catch(() => watching.abort());
  };
  try {
    options.out(`  database   ${cluster.database.embedded ? `embedded Postgres (data in ${cluster.database.embedded.dataDir})` : 'DATABASE_URL'}`);
    for (const service of Object.values(cluster.services)) options.out(`  ${service.name.padEnd(10)} ${service.address}`);
    created = (
      await pipeline.createRun({ configYaml, overrides: [...(options.overrides ?? [])], displayName: configPath, requestId: '', validateOnly: false }).catch((error: ServiceError) => {
        // The master lists every problem of the config: a config error (exit 2), not a failed run.
        throw error.code === status.INVALID_ARGUMENT ? new InvalidArgumentError(`${configPath}: ${error.details}`) : error;
      })
    ).run!;
    options.out(`run ${created.id}: ${created.steps.map((step) => `${step.id} (${step.pipeStepType})`).join(' → ')}`);
    if (options.signal?.aborted) cancel();
    else options.signal?.addEventListener('abort', cancel, { once: true });
    const best = new BestResults(report);
    try {
      for await (const { run } of pipeline.watchRun({ name: created.name, afterRevision: 0, includeTrialEvents: false }, { signal: watching.signal })) {
        display.update(run!, await best.update(run!));
      }
    } catch (error) {
      // A cancelled run that did not settle in time is stopped anyway; anything else is a failure.
      if (!watching.signal.aborted) throw error;
    } finally {
      display.finish();
    }
    const final = (await pipeline.getRun({ name: created.name })).run!;
    for (const line of await summary(final, report)) options.out(line);
    return { run: final, succeeded: final.state === RunState.RUN_STATE_SUCCEEDED, cancelled: final.state === RunState.RUN_STATE_CANCELLED };
  } finally {
    options.signal?.removeEventListener('abort', cancel);
    clearTimeout(settleTimer);
    pipeline.close();
    report.close();
    await cluster.stop();
  }
}

/**
 * Each step's best result so far by its first objective, from Report; asked again only when
 * the step has more succeeded trials than at the last ask.
 */
class BestResults {
  private readonly best = new Map<string, BestResult>();
  private readonly askedAt = new Map<string, number>();

  constructor(private readonly report: AsyncClient<ReportServiceServer>) {}

  async update(run: Run): Promise<ReadonlyMap<string, BestResult>> {
    for (const step of run.steps) {
      const succeeded = step.trialCounts?.succeeded ?? 0;
      const [objective] = step.objectives;
      if (!objective || !succeeded || this.askedAt.get(step.id) === succeeded) continue;
      this.askedAt.set(step.id, succeeded);
      const { records } = await this.report
        .listRecords({
          filter: { runId: run.id, stepId: step.id, trialId: '', trialStates: [], resultsOnly: true },
          pageSize: 1,
          pageToken: '',
          order: RecordOrder.RECORD_ORDER_OBJECTIVE,
          orderObjective: objective,
        })
        .catch(() => ({ records: [] })); // progress only: the next change asks again
      const value = records[0] && objectiveValue(records[0], objective.key);
      if (value !== undefined) this.best.set(step.id, { key: objective.key, value, trialNumber: records[0].trialNumber });
      else this.askedAt.delete(step.id);
    }
    return this.best;
  }
}

async function summary(run: Run, report: AsyncClient<ReportServiceServer>): Promise<string[]> {
  const lines = ['', `run ${run.id} ${enumLabel(RunState, run.state)}${run.error ? `: ${run.error}` : ''}`];
  for (const step of run.steps) {
    const counts = step.trialCounts;
    lines.push(
      `  ${step.id} (${step.pipeStepType}): ${enumLabel(StepState, step.state)}, ${counts?.succeeded ?? 0} trial(s) succeeded${unsuccessfulCounts(counts).map((part) => `, ${part}`).join('')}${step.endReason ? `; ended early: ${step.endReason}` : ''}`,
    );
    if (step.state !== StepState.STEP_STATE_SUCCEEDED || step.objectives.length === 0) continue;
    const { points } = await report.paretoFront({ runId: run.id, stepId: step.id, objectives: step.objectives });
    lines.push(`    pareto front (${step.objectives.map(objectiveLabel).join(', ')}):`);
    lines.push(...resultsTable(step, points.slice(0, SUMMARY_POINTS).map((point) => point.record!)).map((line) => `      ${line}`));
    if (points.length > SUMMARY_POINTS) lines.push(`      ... and ${points.length - SUMMARY_POINTS} more, each in the outputs folder`);
    lines.push(`    outputs: ${step.outputDir}`);
  }
  return lines;
}
