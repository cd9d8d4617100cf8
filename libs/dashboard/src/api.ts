// The dashboard's HTTP API as JSON: what the service answers and the web UI reads. This file
// imports nothing, so the browser build (apps/dashboard/web) shares it as `@vela/dashboard/api`.

export type Goal = 'MINIMIZE' | 'MAXIMIZE';
export type RunStateName = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'UNSPECIFIED';
export type StepStateName = RunStateName;
export type TrialStateName = 'PENDING' | 'LEASED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'UNSPECIFIED';
export type WorkerStateName = 'ACTIVE' | 'DRAINING' | 'LOST' | 'LEFT' | 'UNSPECIFIED';

export const TRIAL_STATES: readonly TrialStateName[] = ['PENDING', 'LEASED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

export interface ObjectiveSpecView {
  readonly key: string;
  readonly goal: Goal;
}

export interface TrialCountsView {
  readonly pending: number;
  readonly leased: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Cancelled trials other than early-stopped ones. */
  readonly cancelled: number;
  readonly earlyStopped: number;
}

export interface StepView {
  readonly id: string;
  readonly index: number;
  readonly type: string;
  readonly state: StepStateName;
  readonly objectives: readonly ObjectiveSpecView[];
  readonly counts: TrialCountsView;
  readonly waitReason: string;
  readonly error: string;
  readonly outputDir: string;
  readonly startTime?: string;
  readonly endTime?: string;
}

/** The best result of a run: of its last step with results, by that step's first objective. */
export interface BestObjective {
  readonly step: string;
  readonly key: string;
  readonly goal: Goal;
  readonly value: number;
  readonly trialNumber: number;
}

export interface RunSummary {
  readonly id: string;
  readonly displayName: string;
  readonly state: RunStateName;
  readonly error: string;
  readonly createTime?: string;
  readonly startTime?: string;
  readonly endTime?: string;
  /** Finished trials (succeeded, failed, stopped early, cancelled) of all trials so far. */
  readonly progress: { readonly finished: number; readonly total: number; readonly stepsDone: number; readonly steps: number };
  readonly best?: BestObjective;
}

export interface RunDetail extends RunSummary {
  /** Set while the dashboard still reads the run's results: tables and charts show those read so far. */
  readonly loading?: { readonly loaded: number; readonly total: number };
  readonly revision: number;
  readonly outputDir: string;
  readonly steps: readonly StepView[];
}

export interface RunPage {
  readonly runs: readonly RunSummary[];
  readonly nextPageToken: string;
  readonly totalSize: number;
}

/** One trial as the table shows it: the master's state and the latest (or result) record's values. */
export interface TrialRow {
  readonly id: string;
  readonly number: number;
  readonly step: string;
  readonly state: TrialStateName;
  readonly attempt: number;
  /** The epoch of the record the values come from; absent before the first record. */
  readonly epoch?: number;
  readonly objectives: Readonly<Record<string, number>>;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly desc: Readonly<Record<string, unknown>>;
  readonly trainSeconds?: number;
  readonly updateTime?: string;
  readonly error?: string;
}

/** `number`, `state`, `epoch` or `objective:<key>`. */
export type TrialSort = string;

export interface TrialPage {
  /** Trials matching the filter. */
  readonly total: number;
  readonly offset: number;
  readonly rows: readonly TrialRow[];
}

export interface ChartPoint {
  readonly number: number;
  readonly value: number;
}

/** Best-so-far against trial number: the staircase of improvements and a downsampled cloud of every result. */
export interface BestSoFarChart {
  readonly objective: ObjectiveSpecView;
  readonly results: number;
  readonly best: readonly ChartPoint[];
  readonly trials: readonly ChartPoint[];
}

export interface ScatterPoint {
  readonly number: number;
  readonly x: number;
  readonly y: number;
}

/** Two objectives of every result (at most one point per pixel cell) with the pareto front over them. */
export interface ParetoChart {
  readonly x: ObjectiveSpecView;
  readonly y: ObjectiveSpecView;
  readonly results: number;
  readonly points: readonly ScatterPoint[];
  /** The non-dominated results, by x. */
  readonly front: readonly ScatterPoint[];
}

export interface ParallelAxis {
  readonly key: string;
  /** `log` for positive values spanning more than two decades; categories are drawn evenly. */
  readonly scale: 'linear' | 'log' | 'category';
  readonly min: number;
  readonly max: number;
  readonly categories?: readonly string[];
}

/** Hyperparameters against the objective: one line per drawn result (a sample of at most `lines`, best included). */
export interface ParallelChart {
  readonly objective: ObjectiveSpecView;
  readonly results: number;
  /** The hyperparameter axes, then the objective's. */
  readonly axes: readonly ParallelAxis[];
  /** Per line, one value per axis (a category's index for category axes); null where the trial has none. */
  readonly lines: readonly { readonly number: number; readonly values: readonly (number | null)[] }[];
}

export interface LearningCurve {
  readonly trialId: string;
  readonly number: number;
  readonly attempt: number;
  readonly epochs: readonly { readonly epoch: number; readonly performance: Readonly<Record<string, number>> }[];
}

export interface CapacityView {
  readonly gpus: number;
  readonly cpuSlots: number;
  readonly memoryBytes: number;
}

export interface WorkerTrial {
  readonly trialId: string;
  readonly runId?: string;
  readonly step?: string;
  readonly number?: number;
  readonly epoch?: number;
}

export interface WorkerView {
  readonly id: string;
  readonly hostname: string;
  readonly state: WorkerStateName;
  readonly backend: string;
  readonly device: string;
  readonly capacity: CapacityView;
  readonly free: CapacityView;
  readonly running: readonly WorkerTrial[];
  readonly lastHeartbeatTime?: string;
}

/** The live feed (server-sent events) of one run: `run` carries a RunDetail, `trials` this. */
export interface TrialsChangedEvent {
  /** Trials whose row changed since the previous event. */
  readonly changed: number;
}

/** What the API answers for a refused or failed request. */
export interface ApiError {
  readonly statusCode: number;
  readonly message: string;
}
