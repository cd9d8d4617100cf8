import { status } from '@grpc/grpc-js';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RecordOrder, RunState, runStateFromJSON, type Run } from '@vela/contracts';
import { InvalidArgumentError, NotFoundError } from '@vela/errors';
import type { BestObjective, BestSoFarChart, LearningCurve, ObjectiveSpecView, ParallelChart, ParetoChart, RunDetail, RunPage, TrialPage, WorkerTrial, WorkerView } from '../api';
import { bestResult, bestSoFarChart, parallelChart, paretoChart } from './charts';
import type { RunIndex } from './run-index';
import { RunIndexRegistry } from './run-index.registry';
import { matchingTrials, pageOf, selectionKey, type TrialQuery } from './trial-query';
import { listAll, UPSTREAM_CLIENTS, type UpstreamClients } from './upstream-clients';
import { objectiveSpecView, runDetail, runSummary, stepForBest, workerView } from './views';

/** Limits on what one chart request may ask the server to draw. */
export const CHART_LIMITS = { points: 2000, lines: 1000, gridCells: 1000 } as const;
/**
 * The newest runs are loaded ahead of a visit (at start and whenever the runs are listed):
 * loading a 10,000-trial run takes Report seconds, opening a loaded one a few milliseconds.
 */
export const PREFETCHED_RUNS = 5;

/**
 * What the HTTP API answers: runs from the master, each run's trials and charts from its
 * live index, learning curves from Report, workers from the master.
 */
@Injectable()
export class DashboardService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('dashboard');

  constructor(
    @Inject(UPSTREAM_CLIENTS) private readonly clients: UpstreamClients,
    private readonly indexes: RunIndexRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.clients.pipeline.listRuns({ filter: { states: [], displayNameContains: '' }, pageSize: PREFETCHED_RUNS, pageToken: '' }).then(
      (page) => this.indexes.prefetch(page.runs.map((run) => run.id)),
      (error: Error) => this.logger.warn(`could not list runs to load ahead (they load on first visit): ${error.message}`),
    );
  }

  async listRuns(pageSize: number, pageToken: string, state: string | undefined): Promise<RunPage> {
    const states = state ? [runStateOf(state)] : [];
    const page = await this.clients.pipeline.listRuns({ filter: { states, displayNameContains: '' }, pageSize, pageToken });
    if (!pageToken) this.indexes.prefetch(page.runs.slice(0, PREFETCHED_RUNS).map((run) => run.id));
    const runs = await Promise.all(page.runs.map(async (run) => runSummary(run, await this.bestFromReport(run))));
    return { runs, nextPageToken: page.nextPageToken, totalSize: page.totalSize };
  }

  async getRun(runId: string): Promise<RunDetail> {
    const index = await this.indexes.get(runId);
    return index.derive('detail', () => detailOf(index));
  }

  async trials(runId: string, step: string, query: TrialQuery): Promise<TrialPage> {
    const index = await this.indexOfStep(runId, step);
    return pageOf(index.derive(`trials ${step} ${selectionKey(query)}`, () => matchingTrials(index.rowsOf(step), query)), query);
  }

  async bestSoFar(runId: string, step: string, objectiveKey: string | undefined, points: number): Promise<BestSoFarChart> {
    const index = await this.indexOfStep(runId, step);
    const objective = objectiveOf(index, step, objectiveKey, 'objective');
    return index.derive(`best-so-far ${step} ${objective.key} ${points}`, () => bestSoFarChart(index.rowsOf(step), objective, points));
  }

  async pareto(runId: string, step: string, xKey: string | undefined, yKey: string | undefined, grid: { width: number; height: number }): Promise<ParetoChart> {
    const index = await this.indexOfStep(runId, step);
    const objectives = index.objectivesOf(step);
    const x = objectiveOf(index, step, xKey ?? objectives[0]?.key, 'x');
    const y = objectiveOf(index, step, yKey ?? objectives.find((spec) => spec.key !== x.key)?.key, 'y');
    return index.derive(`pareto ${step} ${x.key} ${y.key} ${grid.width}x${grid.height}`, () => paretoChart(index.rowsOf(step), x, y, grid));
  }

  async parallel(runId: string, step: string, objectiveKey: string | undefined, lines: number): Promise<ParallelChart> {
    const index = await this.indexOfStep(runId, step);
    const objective = objectiveOf(index, step, objectiveKey, 'objective');
    return index.derive(`parallel ${step} ${objective.key} ${lines}`, () => parallelChart(index.rowsOf(step), objective, lines));
  }

  /** A trial's records of its latest attempt, by epoch. */
  async learningCurve(trialId: string): Promise<LearningCurve> {
    const records = await listAll(
      (pageToken) =>
        this.clients.report.listRecords({ filter: { runId: '', stepId: '', trialId, trialStates: [], resultsOnly: false }, pageSize: 1000, pageToken, order: RecordOrder.RECORD_ORDER_TRIAL, orderObjective: undefined }),
      (page) => page.records,
    );
    if (records.length === 0) throw new NotFoundError(`trial ${trialId} has no records yet`);
    const attempt = Math.max(...records.map((record) => record.attempt));
    const epochs = records.filter((record) => record.attempt === attempt).map((record) => ({ epoch: record.epoch, performance: record.performance }));
    return { trialId, number: records[0].trialNumber, attempt, epochs };
  }

  async workers(): Promise<WorkerView[]> {
    const workers = await listAll((pageToken) => this.clients.pipeline.listWorkers({ filter: { states: [] }, showLeft: false, pageSize: 1000, pageToken }), (page) => page.workers);
    return Promise.all(workers.map(async (worker) => workerView(worker, await Promise.all(worker.leasedTrialIds.map((trialId) => this.workerTrial(trialId))))));
  }

  onApplicationShutdown(): void {
    this.clients.pipeline.close();
    this.clients.report.close();
  }

  /** Where a leased trial is: its latest record says (a trial without one yet shows its id only). */
  private async workerTrial(trialId: string): Promise<WorkerTrial> {
    try {
      const { record } = await this.clients.report.getRecord({ trialId });
      return record ? { trialId, runId: record.runId, step: record.stepId, number: record.trialNumber, epoch: record.epoch } : { trialId };
    } catch (error) {
      if ((error as { code?: number }).code === status.NOT_FOUND) return { trialId };
      throw error;
    }
  }

  private async indexOfStep(runId: string, step: string): Promise<RunIndex> {
    const index = await this.indexes.get(runId);
    if (!index.run.steps.some((candidate) => candidate.id === step)) {
      throw new NotFoundError(`run ${runId} has no step '${step}'; its steps are ${index.run.steps.map((candidate) => candidate.id).join(', ')}`);
    }
    return index;
  }

  /** The best result of the run's last step with results, by its first objective, from Report. */
  private async bestFromReport(run: Run): Promise<BestObjective | undefined> {
    const step = stepForBest(run);
    if (!step) return undefined;
    const objective = step.objectives[0];
    const { records } = await this.clients.report.listRecords({
      filter: { runId: run.id, stepId: step.id, trialId: '', trialStates: [], resultsOnly: true },
      pageSize: 1,
      pageToken: '',
      order: RecordOrder.RECORD_ORDER_OBJECTIVE,
      orderObjective: objective,
    });
    const value = records[0]?.objectives.find((candidate) => candidate.key === objective.key)?.value ?? records[0]?.performance[objective.key];
    return value === undefined ? undefined : { step: step.id, ...objectiveSpecView(objective), value, trialNumber: records[0].trialNumber };
  }
}

function detailOf(index: RunIndex): RunDetail {
  const detail = runDetail(index.run, undefined);
  const steps = detail.steps.map((step) => ({ ...step, objectives: index.objectivesOf(step.id) }));
  return { ...detail, steps, best: bestFromIndex(index, steps), loading: index.loading };
}

/** The best result of the last step with results, by its first objective. */
function bestFromIndex(index: RunIndex, steps: RunDetail['steps']): BestObjective | undefined {
  for (const step of [...steps].reverse()) {
    const objective = step.objectives[0];
    if (!objective) continue;
    const best = bestResult(index.rowsOf(step.id), objective);
    if (best) return { step: step.id, ...objective, value: best.value, trialNumber: best.number };
  }
  return undefined;
}

function objectiveOf(index: RunIndex, step: string, key: string | undefined, parameter: string): ObjectiveSpecView {
  const objectives = index.objectivesOf(step);
  const spec = key === undefined ? objectives[0] : objectives.find((candidate) => candidate.key === key);
  if (!spec) {
    throw new InvalidArgumentError(
      objectives.length === 0 ? `step '${step}' has no results with objectives yet` : `must be one of ${objectives.map((candidate) => candidate.key).join(', ')}, got '${key}'`,
      parameter,
    );
  }
  return spec;
}

function runStateOf(state: string): RunState {
  const value = runStateFromJSON(`RUN_STATE_${state.toUpperCase()}`);
  if (value === RunState.UNRECOGNIZED || value === RunState.RUN_STATE_UNSPECIFIED) {
    throw new InvalidArgumentError(`must be one of pending, running, succeeded, failed, cancelled, got '${state}'`, 'state');
  }
  return value;
}
