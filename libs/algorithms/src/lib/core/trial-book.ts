import { InvalidArgumentError } from '@vela/errors';
import { JsonObject, canonicalJson, cloneJson, isPlainObject, show } from '@vela/search-space';
import { Observation, ObjectiveValue, Suggestion, TRIAL_STATES, TrialState } from './types';

/** One record of a trial: the objectives measured at an epoch by an attempt. */
export interface TrialRecord {
  readonly epoch: number;
  readonly attempt: number;
  readonly objectives: readonly ObjectiveValue[];
  readonly checkpoint?: string;
}

/** What an algorithm knows about one trial, built from its observations. */
export interface Trial {
  readonly trialId: string;
  /** Order of first sight, from 0. */
  readonly seq: number;
  /** The latest suggestion applied to the trial (a promotion replaces the original). */
  readonly suggestion: Suggestion;
  /** The first suggestion, as the trial started. */
  readonly origin: Suggestion;
  /** 0 for the original suggestion, +1 per promotion. */
  readonly phase: number;
  readonly state: TrialState;
  readonly attempt: number;
  /** Records by epoch (the latest attempt's record for each epoch), ascending. */
  readonly records: readonly TrialRecord[];
  /** The latest final record, if any. */
  readonly final?: TrialRecord;
}

const IN_FLIGHT: ReadonlySet<TrialState> = new Set(['PENDING', 'LEASED', 'RUNNING', 'STALE']);
const RANK: Readonly<Record<TrialState, number>> = { PENDING: 0, LEASED: 1, RUNNING: 2, STALE: 3, SUCCEEDED: 4, FAILED: 4, CANCELLED: 4 };
const TERMINAL: ReadonlySet<TrialState> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export function isInFlight(trial: Trial): boolean {
  return IN_FLIGHT.has(trial.state);
}

interface MutableTrial {
  trialId: string;
  seq: number;
  suggestion: Suggestion;
  origin: Suggestion;
  phase: number;
  phaseStarts: number[];
  state: TrialState;
  stateKey: [number, number, number];
  attempt: number;
  records: TrialRecord[];
  final?: TrialRecord;
}

/**
 * The trials an algorithm has heard of, folded from observations so that re-delivered and
 * out-of-date observations change nothing (DESIGN: Observe is at-least-once and idempotent per
 * (trial, attempt, epoch)). State changes apply in the order (phase, attempt, state rank);
 * records of an attempt older than the latest are refused (the attempt number fences).
 */
export class TrialBook {
  private readonly trials = new Map<string, MutableTrial>();
  private readonly pointIndex = new Map<string, Set<string>>();
  private phases = 0;

  /** Number of suggestions applied (new trials plus promotions): the index of the next. */
  get suggestionCount(): number {
    return this.phases;
  }

  get size(): number {
    return this.trials.size;
  }

  list(): readonly Trial[] {
    return [...this.trials.values()];
  }

  get(trialId: string): Trial | undefined {
    return this.trials.get(trialId);
  }

  /** Ids of trials whose point is `pointKey` (canonical JSON). */
  trialsWithPoint(pointKey: string): ReadonlySet<string> {
    return this.pointIndex.get(pointKey) ?? new Set();
  }

  /** Applies one observation; returns the trial it touched. `field` names it in errors. */
  apply(observation: Observation, field = 'observation'): Trial {
    checkObservation(observation, field);
    const { trialId } = observation;
    let trial = this.trials.get(trialId);
    if (!trial) {
      const suggestion = observation.suggestion;
      if (!suggestion) throw new InvalidArgumentError(`the first observation of trial '${trialId}' must carry its suggestion`, `${field}.suggestion`);
      const stored = { ...cloneJson(suggestion), trialId };
      trial = {
        trialId,
        seq: this.trials.size,
        suggestion: stored,
        origin: stored,
        phase: 0,
        phaseStarts: [0],
        state: 'PENDING',
        stateKey: [0, 0, -1],
        attempt: observation.attempt,
        records: [],
      };
      this.trials.set(trialId, trial);
      this.phases++;
      const key = canonicalJson(stored.point);
      if (!this.pointIndex.has(key)) this.pointIndex.set(key, new Set());
      this.pointIndex.get(key)?.add(trialId);
    } else if (observation.suggestion?.continues) {
      const incoming: Suggestion = { ...cloneJson(observation.suggestion), trialId };
      const start = observation.suggestion.continues.epoch;
      const isNew = canonicalJson(incoming) !== canonicalJson(trial.suggestion);
      if (isNew && start >= trial.phaseStarts[trial.phaseStarts.length - 1] && observation.attempt >= trial.attempt) {
        trial.phase++;
        trial.phaseStarts.push(start);
        trial.suggestion = incoming;
        this.phases++;
      }
    }

    if (observation.attempt < trial.attempt) return trial;
    trial.attempt = observation.attempt;
    const phase = this.phaseOf(trial, observation);
    const key: [number, number, number] = [phase, observation.attempt, RANK[observation.state]];
    if (compareKeys(key, trial.stateKey) > 0) {
      trial.stateKey = key;
      trial.state = observation.state;
    }
    if (observation.objectives && observation.objectives.length > 0) {
      const record: TrialRecord = {
        epoch: observation.epoch,
        attempt: observation.attempt,
        objectives: cloneJson(observation.objectives),
        ...(observation.checkpoint ? { checkpoint: observation.checkpoint } : {}),
      };
      const index = trial.records.findIndex((r) => r.epoch === observation.epoch);
      if (index < 0) {
        trial.records.push(record);
        trial.records.sort((a, b) => a.epoch - b.epoch);
      } else if (trial.records[index].attempt <= observation.attempt) trial.records[index] = record;
      if (observation.final && (!trial.final || trial.final.epoch <= observation.epoch)) trial.final = record;
    } else if (observation.checkpoint) {
      const index = trial.records.findIndex((r) => r.epoch === observation.epoch);
      if (index >= 0) trial.records[index] = { ...trial.records[index], checkpoint: observation.checkpoint };
    }
    return trial;
  }

  /** The checkpoint recorded at `epoch` (or the latest one before it), if any. */
  checkpointAt(trial: Trial, epoch: number): string | undefined {
    let found: string | undefined;
    for (const record of trial.records) if (record.epoch <= epoch && record.checkpoint) found = record.checkpoint;
    return found;
  }

  private phaseOf(trial: MutableTrial, observation: Observation): number {
    if (observation.suggestion) return trial.phase;
    let phase = 0;
    trial.phaseStarts.forEach((start, p) => {
      const belongs = p === 0 || start < observation.epoch || (start === observation.epoch && !TERMINAL.has(observation.state) && !observation.objectives?.length);
      if (belongs) phase = p;
    });
    return phase;
  }

  /** The book as JSON; a trial's suggestion is left out while it is its origin (the common case). */
  toJSON(): JsonObject {
    const trials = [...this.trials.values()].map((trial) => {
      const { suggestion, ...rest } = trial;
      return suggestion === trial.origin || canonicalJson(suggestion) === canonicalJson(trial.origin) ? rest : trial;
    });
    return { phases: this.phases, trials: cloneJson(trials) as unknown as JsonObject[] };
  }

  static fromJSON(json: unknown): TrialBook {
    if (!isPlainObject(json) || !Array.isArray(json['trials']) || typeof json['phases'] !== 'number') {
      throw new InvalidArgumentError(`must be a trial book {phases, trials}, got ${show(json)}`, 'snapshot.book');
    }
    const book = new TrialBook();
    book.phases = json['phases'];
    for (const trial of cloneJson(json['trials']) as MutableTrial[]) {
      trial.suggestion ??= trial.origin;
      book.trials.set(trial.trialId, trial);
      const key = canonicalJson(trial.origin.point);
      if (!book.pointIndex.has(key)) book.pointIndex.set(key, new Set());
      book.pointIndex.get(key)?.add(trial.trialId);
    }
    return book;
  }
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Checks the shape of an observation, naming the offending field. */
export function checkObservation(o: Observation, field: string): void {
  if (!isPlainObject(o)) throw new InvalidArgumentError(`must be an observation {trialId, attempt, epoch, state, ...}, got ${show(o)}`, field);
  if (typeof o.trialId !== 'string' || o.trialId.length === 0) throw new InvalidArgumentError(`must be a non-empty string, got ${show(o.trialId)}`, `${field}.trialId`);
  if (!Number.isInteger(o.attempt) || o.attempt < 1) throw new InvalidArgumentError(`must be an integer >= 1, got ${show(o.attempt)}`, `${field}.attempt`);
  if (!Number.isInteger(o.epoch) || o.epoch < 0) throw new InvalidArgumentError(`must be an integer >= 0, got ${show(o.epoch)}`, `${field}.epoch`);
  if (!(TRIAL_STATES as readonly string[]).includes(o.state)) throw new InvalidArgumentError(`must be one of ${TRIAL_STATES.join(', ')}, got ${show(o.state)}`, `${field}.state`);
  (o.objectives ?? []).forEach((objective, i) => {
    const at = `${field}.objectives[${i}]`;
    if (typeof objective?.key !== 'string' || objective.key.length === 0) throw new InvalidArgumentError(`must be a non-empty string, got ${show(objective?.key)}`, `${at}.key`);
    if (typeof objective.value !== 'number' || !Number.isFinite(objective.value)) throw new InvalidArgumentError(`must be a finite number, got ${show(objective.value)}`, `${at}.value`);
    if (objective.goal !== 'MINIMIZE' && objective.goal !== 'MAXIMIZE') throw new InvalidArgumentError(`must be MINIMIZE or MAXIMIZE, got ${show(objective.goal)}`, `${at}.goal`);
  });
  if (o.final && !(o.objectives && o.objectives.length > 0)) throw new InvalidArgumentError('a final observation must carry objectives', `${field}.objectives`);
  if (o.suggestion !== undefined) {
    if (!isPlainObject(o.suggestion) || !isPlainObject(o.suggestion.point)) throw new InvalidArgumentError(`must be a suggestion with a point, got ${show(o.suggestion)}`, `${field}.suggestion`);
    if (o.suggestion.trialId !== undefined && o.suggestion.trialId !== o.trialId) {
      throw new InvalidArgumentError(`names trial '${o.suggestion.trialId}' but the observation is for '${o.trialId}'`, `${field}.suggestion.trialId`);
    }
  }
}
