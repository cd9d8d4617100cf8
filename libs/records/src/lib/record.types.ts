import type { ObjectiveGoal } from '@vela/pareto';

export type TrialStateName = 'PENDING' | 'LEASED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export const TRIAL_STATE_NAMES: readonly TrialStateName[] = ['PENDING', 'LEASED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

export interface ObjectiveValue {
  readonly key: string;
  readonly goal: ObjectiveGoal;
  readonly value: number;
}

/** JSON as it crosses service boundaries (descs, hyperparameters). */
export type JsonObject = { readonly [key: string]: unknown };

/**
 * One epoch of one attempt of one trial, as a worker reports it. Keyed by
 * (trialId, attempt, epoch); writing the same key again replaces the record.
 */
export interface RecordInput {
  readonly trialId: string;
  readonly attempt: number;
  readonly epoch: number;
  readonly trialState: TrialStateName;
  readonly desc: JsonObject;
  readonly hyperparameters: JsonObject;
  readonly performance: Readonly<Record<string, number>>;
  readonly objectives: readonly ObjectiveValue[];
  /** Billions of multiply-accumulates (Vega's unit). */
  readonly flops?: number;
  /** Thousands of parameters (Vega's unit). */
  readonly params?: number;
  readonly latencyMs?: number;
  readonly backend?: string;
  readonly threads?: number;
  readonly device?: string;
  readonly error?: string;
  readonly logTail?: string;
  readonly checkpointArtifactId?: string;
  /** Wall-clock seconds this epoch took to train. */
  readonly trainSeconds?: number;
}

/** A stored record: the input plus where it belongs and its watch cursor. */
export interface StoredRecord extends RecordInput {
  readonly runId: string;
  readonly step: string;
  readonly trialNumber: number;
  /** Global, increasing with every write: the WatchRecords cursor. */
  readonly seq: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface RecordFilter {
  readonly runId?: string;
  readonly step?: string;
  readonly trialId?: string;
  /** Any of these trial states (at the time of the record); all when empty. */
  readonly trialStates?: readonly TrialStateName[];
  /** Only each trial's result: the last epoch of its current attempt, for trials that SUCCEEDED. */
  readonly resultsOnly?: boolean;
}

/** `seq`: write order (the default); `trial`: by trial number, attempt, epoch; `objective`: by one objective's value, best first. */
export type RecordOrder = { readonly by: 'seq' } | { readonly by: 'trial' } | { readonly by: 'objective'; readonly key: string; readonly goal: ObjectiveGoal };

export interface RecordPage {
  readonly records: readonly StoredRecord[];
  readonly nextPageToken?: string;
  readonly totalSize: number;
}

export interface ParetoQuery {
  readonly runId: string;
  readonly step?: string;
  readonly objectives: readonly { readonly key: string; readonly goal: ObjectiveGoal }[];
  /** At most this many results (by front rank, then crowding); all of the first front when absent. */
  readonly count?: number;
}
