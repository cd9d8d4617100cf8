import type { ObjectiveGoal as DomainGoal } from '@vela/pareto';
import type { JsonObject, ObjectiveValue, RecordInput, StoredRecord, TrialStateName } from '@vela/records';
import { ObjectiveGoal } from '../../generated/vela/v1/common';
import type { Objective, Record as RecordProto } from '../../generated/vela/v1/record';
import { TrialState } from '../../generated/vela/v1/trial';
import { artifactName, parseArtifactName } from '../resource-names';
import { durationFromMillis, durationToMillis } from '../durations';
import { enumConverter } from './enum.converter';

export const trialStateConverter = enumConverter<typeof TrialState, TrialStateName>(TrialState, 'TRIAL_STATE_');
export const objectiveGoalConverter = enumConverter<typeof ObjectiveGoal, DomainGoal>(ObjectiveGoal, 'OBJECTIVE_GOAL_');

export function objectiveFromProto(objective: Objective, field: string): ObjectiveValue {
  return { key: objective.key, goal: objectiveGoalConverter.toName(objective.goal, `${field}.goal`), value: objective.value };
}

export function objectiveToProto(objective: ObjectiveValue): Objective {
  return { key: objective.key, goal: objectiveGoalConverter.toProto(objective.goal), value: objective.value };
}

/** A record as a worker sends it (output-only fields ignored). Validation is the domain's job. */
export function recordInputFromProto(record: RecordProto, field = 'record'): RecordInput {
  return {
    trialId: record.trialId,
    attempt: record.attempt,
    epoch: record.epoch,
    trialState: trialStateConverter.toName(record.trialState, `${field}.trial_state`),
    desc: (record.desc ?? {}) as JsonObject,
    hyperparameters: (record.hyperparameters ?? {}) as JsonObject,
    performance: record.performance,
    objectives: record.objectives.map((objective, index) => objectiveFromProto(objective, `${field}.objectives[${index}]`)),
    flops: record.flops,
    params: record.params,
    latencyMs: record.latencyMs,
    backend: record.backend || undefined,
    threads: record.threads || undefined,
    device: record.device || undefined,
    error: record.errorMessage || undefined,
    logTail: record.logTail || undefined,
    checkpointArtifactId: record.checkpointArtifact ? parseArtifactName(record.checkpointArtifact, `${field}.checkpoint_artifact`).artifact : undefined,
    trainSeconds: record.trainDuration ? (durationToMillis(record.trainDuration) ?? 0) / 1000 : undefined,
  };
}

/** A record for the wire: run, step and trial filled in, output-only fields set. */
export function recordToProto(record: StoredRecord): RecordProto {
  return {
    runId: record.runId,
    stepId: record.step,
    trialId: record.trialId,
    trialNumber: record.trialNumber,
    attempt: record.attempt,
    epoch: record.epoch,
    trialState: trialStateConverter.toProto(record.trialState),
    desc: record.desc as { [key: string]: unknown },
    hyperparameters: record.hyperparameters as { [key: string]: unknown },
    performance: { ...record.performance },
    objectives: record.objectives.map(objectiveToProto),
    flops: record.flops,
    params: record.params,
    latencyMs: record.latencyMs,
    backend: record.backend ?? '',
    threads: record.threads ?? 0,
    device: record.device ?? '',
    errorMessage: record.error ?? '',
    logTail: record.logTail ?? '',
    checkpointArtifact: record.checkpointArtifactId ? artifactName(record.checkpointArtifactId) : '',
    trainDuration: record.trainSeconds === undefined ? undefined : durationFromMillis(record.trainSeconds * 1000, 'record.train_duration'),
    seq: record.seq,
    createTime: record.createdAt,
    updateTime: record.updatedAt,
  };
}
