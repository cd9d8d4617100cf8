import { ObjectiveGoal, Record as RecordProto, TrialState, durationFromMillis, type ObjectiveSpec, type Trial } from '@vela/contracts';
import { InvalidArgumentError } from '@vela/errors';
import type { EpochRecord } from '@vela/trainer';

/** What every record of an attempt shares, from its trial. */
export interface AttemptIdentity {
  readonly runId: string;
  readonly stepId: string;
  readonly trialId: string;
  readonly trialNumber: number;
  readonly attempt: number;
  readonly desc: { [key: string]: unknown };
  readonly hyperparameters: { [key: string]: unknown };
}

export function attemptIdentity(trial: Trial): AttemptIdentity {
  return {
    runId: trial.runId,
    stepId: trial.stepId,
    trialId: trial.id,
    trialNumber: trial.number,
    attempt: trial.attempt,
    desc: trial.desc ?? {},
    hyperparameters: trial.hyperparameters ?? {},
  };
}

/**
 * The epoch a record is keyed by: the number of epochs trained, so 0 holds what is known
 * before training (a rejection, an early failure) and a budget of n epochs ends at record n,
 * which is where multi-fidelity algorithms look (`recordAt(trial, epochs)`). The trainer
 * counts its finished epochs from 0, hence the +1.
 */
export function recordEpoch(record: EpochRecord): number {
  return record.status === 'rejected' ? 0 : record.epoch + 1;
}

/** The metrics of an epoch as the record's `performance`: validation metrics, flops/params, losses and rate. */
export function performanceOf(record: EpochRecord): Record<string, number> {
  const performance: Record<string, number> = { ...record.performance };
  for (const [key, value] of Object.entries(record.trainMetrics)) performance[`train_${key}`] ??= value;
  if (record.trainLoss !== undefined) performance['train_loss'] ??= record.trainLoss;
  if (record.validLoss !== undefined) performance['loss'] ??= record.validLoss;
  performance['lr'] ??= record.lr;
  return performance;
}

/** The metrics that are not finite numbers (a diverged training), as `key=value` text; empty when all are. */
export function nonFinite(performance: Record<string, number>): string[] {
  return Object.entries(performance)
    .filter(([, value]) => !Number.isFinite(value))
    .map(([key, value]) => `${key}=${value}`);
}

/**
 * The step's objectives with this epoch's values. A key the performance lacks is left out
 * (Report then reads it from the record's own fields); with no objectives configured, the
 * primary metric (larger-is-better unless the trainer says otherwise) stands in.
 */
export function objectivesOf(specs: readonly ObjectiveSpec[], performance: Record<string, number>, fallback: { key: string; mode: 'max' | 'min' }) {
  const wanted = specs.length
    ? specs
    : [{ key: fallback.key, goal: fallback.mode === 'max' ? ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE : ObjectiveGoal.OBJECTIVE_GOAL_MINIMIZE }];
  return wanted.filter((spec) => Number.isFinite(performance[spec.key])).map((spec) => ({ key: spec.key, goal: spec.goal, value: performance[spec.key] }));
}

/** An epoch's record as Report stores it; `trainSeconds` is the attempt's training time so far. */
export function epochRecordToProto(
  identity: AttemptIdentity,
  record: EpochRecord,
  objectives: ReturnType<typeof objectivesOf>,
  trainSeconds: number,
  checkpointArtifact: string,
): RecordProto {
  const performance = performanceOf(record);
  const bad = nonFinite(performance);
  if (bad.length) throw new InvalidArgumentError(`training diverged at epoch ${recordEpoch(record)}: ${bad.join(', ')}`, 'performance');
  return RecordProto.fromPartial({
    ...identity,
    epoch: recordEpoch(record),
    trialState: record.status === 'succeeded' ? TrialState.TRIAL_STATE_SUCCEEDED : record.status === 'rejected' ? TrialState.TRIAL_STATE_FAILED : TrialState.TRIAL_STATE_RUNNING,
    performance,
    objectives: record.status === 'rejected' ? [] : objectives,
    flops: record.performance['flops'],
    params: record.performance['params'],
    backend: record.compute?.backend ?? '',
    threads: record.compute?.threads ?? 0,
    device: record.compute?.device ?? '',
    errorMessage: record.status === 'rejected' ? (record.message ?? 'rejected') : '',
    checkpointArtifact,
    trainDuration: durationFromMillis(trainSeconds * 1000, 'record.train_duration'),
  });
}

/** The record of a failed attempt: its error and log tail, at the epoch it failed in. */
export function failureRecordToProto(
  identity: AttemptIdentity,
  epoch: number,
  error: string,
  logTail: string,
  known: { flops?: number; params?: number; backend?: string; threads?: number; device?: string } = {},
): RecordProto {
  return RecordProto.fromPartial({
    ...identity,
    epoch,
    trialState: TrialState.TRIAL_STATE_FAILED,
    flops: Number.isFinite(known.flops) ? known.flops : undefined,
    params: Number.isFinite(known.params) ? known.params : undefined,
    backend: known.backend ?? '',
    threads: known.threads ?? 0,
    device: known.device ?? '',
    errorMessage: error,
    logTail,
  });
}
