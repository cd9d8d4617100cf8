import { InvalidArgumentError } from '@vela/errors';
import { TRIAL_STATE_NAMES, type RecordInput } from './record.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is shaped as a uuid (the ids of runs, trials, searches and artifacts). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A uuid-shaped id, or an InvalidArgumentError naming `field`. */
export function checkUuid(value: string | undefined, field: string): string {
  if (!value) throw new InvalidArgumentError('is required', field);
  if (!isUuid(value)) throw new InvalidArgumentError(`must be a trial/run id (uuid), got '${value}'`, field);
  return value.toLowerCase();
}

function checkFinite(value: number | undefined, field: string): void {
  if (value !== undefined && !Number.isFinite(value)) throw new InvalidArgumentError(`must be a finite number, got ${value}`, field);
}

/**
 * Checks a record before anything is written. Objectives are what the pareto front and the
 * algorithms compare, so each must have a key, a goal and a finite value; a record of a
 * FAILED or CANCELLED trial may carry none.
 */
export function validateRecord(record: RecordInput): void {
  checkUuid(record.trialId, 'record.trial_id');
  if (!Number.isInteger(record.attempt) || record.attempt < 1) throw new InvalidArgumentError(`must be an integer >= 1, got ${record.attempt}`, 'record.attempt');
  if (!Number.isInteger(record.epoch) || record.epoch < 0) throw new InvalidArgumentError(`must be an integer >= 0, got ${record.epoch}`, 'record.epoch');
  if (!TRIAL_STATE_NAMES.includes(record.trialState)) {
    throw new InvalidArgumentError(`must be one of ${TRIAL_STATE_NAMES.join(', ')}, got '${record.trialState}'`, 'record.trial_state');
  }
  const keys = new Set<string>();
  record.objectives.forEach((objective, index) => {
    const field = `record.objectives[${index}]`;
    if (!objective.key) throw new InvalidArgumentError('is required', `${field}.key`);
    if (keys.has(objective.key)) throw new InvalidArgumentError(`duplicate objective '${objective.key}'`, `${field}.key`);
    keys.add(objective.key);
    if (objective.goal !== 'MINIMIZE' && objective.goal !== 'MAXIMIZE') {
      throw new InvalidArgumentError(`must be MINIMIZE or MAXIMIZE, got '${objective.goal}'`, `${field}.goal`);
    }
    if (objective.value === undefined || objective.value === null) throw new InvalidArgumentError('is missing', `${field}.value`);
    checkFinite(objective.value, `${field}.value`);
  });
  if (record.trialState === 'SUCCEEDED' && record.objectives.length === 0) {
    throw new InvalidArgumentError('a SUCCEEDED record needs at least one objective value', 'record.objectives');
  }
  for (const [metric, value] of Object.entries(record.performance)) checkFinite(value, `record.performance['${metric}']`);
  checkFinite(record.flops, 'record.flops');
  checkFinite(record.params, 'record.params');
  checkFinite(record.latencyMs, 'record.latency_ms');
  checkFinite(record.trainSeconds, 'record.train_duration');
  if (record.checkpointArtifactId !== undefined && record.checkpointArtifactId !== '') checkUuid(record.checkpointArtifactId, 'record.checkpoint_artifact_id');
}
