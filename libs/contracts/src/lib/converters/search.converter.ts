import { InvalidArgumentError } from '@vela/errors';
import type { ObjectiveGoal as DomainGoal } from '@vela/pareto';
import type { ObjectiveValue, TrialStateName } from '@vela/records';
import type { JsonObject, NetworkDesc, Point } from '@vela/search-space';
import { Record as RecordProto } from '../../generated/vela/v1/record';
import { Observation as ObservationProto, Search as SearchProto, Suggestion as SuggestionProto } from '../../generated/vela/v1/search';
import { AttemptState, TrialState } from '../../generated/vela/v1/trial';
import { searchName } from '../resource-names';
import { objectiveFromProto, objectiveGoalConverter, objectiveToProto, trialStateConverter } from './record.converter';
import { objectiveSpecFromProto } from './record-query.converter';

// The search algorithms' Suggestion and Observation (@vela/algorithms, core/types.ts, which
// documents them), described here by their shape: @vela/algorithms depends on
// @vela/registry, which services depend on, so contracts importing it would join them in a
// dependency cycle. @vela/generator checks at compile time that both stay the same.

/** A trial's state as an observation tells it: the trial's, or STALE for an expired attempt. */
export type DomainTrialState = TrialStateName | 'STALE';

/** Where a trial resumes: another (or the same) trial's checkpoint at an epoch. */
export interface DomainResumePoint {
  readonly trialId: string;
  readonly epoch: number;
  readonly checkpoint?: string;
}

/** What an algorithm proposes (@vela/algorithms' Suggestion). */
export interface DomainSuggestion {
  readonly trialId?: string;
  readonly point: Point;
  readonly desc?: NetworkDesc;
  readonly hyperparameters: JsonObject;
  readonly budget?: { readonly epochs: number };
  readonly rung?: number;
  readonly continues?: DomainResumePoint;
  readonly parent?: DomainResumePoint;
  readonly code?: readonly number[];
  readonly info?: JsonObject;
}

/** One thing that happened to a trial (@vela/algorithms' Observation). */
export interface DomainObservation {
  readonly trialId: string;
  readonly attempt: number;
  readonly epoch: number;
  readonly state: DomainTrialState;
  readonly objectives?: readonly ObjectiveValue[];
  readonly final?: boolean;
  readonly checkpoint?: string;
  readonly suggestion?: DomainSuggestion;
}

/**
 * Suggestions and observations between the wire (`vela.v1.Suggestion`, `vela.v1.Observation`)
 * and the search algorithms' domain types (@vela/algorithms).
 *
 * What the wire cannot tell apart is normalised, both ways the same: rung 0 and an absent
 * rung are the first rung; a budget of 0 epochs, an empty code, an empty trial id and an
 * empty objective list are absent. Everything else round-trips exactly.
 */

const isObject = (value: unknown): value is { [key: string]: unknown } => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A suggestion for the wire. A suggestion both continuing a trial and deriving from a parent is refused. */
export function suggestionToProto(suggestion: DomainSuggestion, field = 'suggestion'): SuggestionProto {
  if (suggestion.continues && suggestion.parent) {
    throw new InvalidArgumentError('continues a trial and derives from a parent; a suggestion does one or the other', field);
  }
  const resume = suggestion.continues ?? suggestion.parent;
  return SuggestionProto.fromPartial({
    trialId: suggestion.trialId ?? '',
    point: { ...suggestion.point },
    desc: suggestion.desc ? { ...suggestion.desc } : undefined,
    hyperparameters: { ...suggestion.hyperparameters },
    budgetEpochs: suggestion.budget?.epochs ?? 0,
    rung: suggestion.rung ?? 0,
    continueTrialId: suggestion.continues?.trialId ?? '',
    parentTrialId: suggestion.parent?.trialId ?? '',
    resumeEpoch: resume?.epoch ?? 0,
    checkpointArtifact: resume?.checkpoint ?? '',
    code: suggestion.code ? [...suggestion.code] : [],
    info: suggestion.info ? { ...suggestion.info } : undefined,
  });
}

/** A suggestion from the wire (a caller sending back what it persisted); `field` names it in errors. */
export function suggestionFromProto(proto: SuggestionProto, field = 'suggestion'): DomainSuggestion {
  if (!isObject(proto.point)) throw new InvalidArgumentError('is required: the value of every active parameter, by dotted key', `${field}.point`);
  if (proto.continueTrialId && proto.parentTrialId) {
    throw new InvalidArgumentError('is set together with continue_trial_id; a suggestion continues a trial or derives from a parent, not both', `${field}.parent_trial_id`);
  }
  if (proto.resumeEpoch < 0) throw new InvalidArgumentError(`must be >= 0, got ${proto.resumeEpoch}`, `${field}.resume_epoch`);
  if (proto.budgetEpochs < 0) throw new InvalidArgumentError(`must be >= 0, got ${proto.budgetEpochs}`, `${field}.budget_epochs`);
  if (proto.rung < 0) throw new InvalidArgumentError(`must be >= 0, got ${proto.rung}`, `${field}.rung`);
  const resumeFrom = (trialId: string) => ({ trialId, epoch: proto.resumeEpoch, ...(proto.checkpointArtifact ? { checkpoint: proto.checkpointArtifact } : {}) });
  return {
    ...(proto.trialId ? { trialId: proto.trialId } : {}),
    point: proto.point as Point,
    ...(isObject(proto.desc) ? { desc: proto.desc as JsonObject } : {}),
    hyperparameters: (proto.hyperparameters ?? {}) as JsonObject,
    ...(proto.budgetEpochs > 0 ? { budget: { epochs: proto.budgetEpochs } } : {}),
    ...(proto.rung > 0 ? { rung: proto.rung } : {}),
    ...(proto.continueTrialId ? { continues: resumeFrom(proto.continueTrialId) } : {}),
    ...(proto.parentTrialId ? { parent: resumeFrom(proto.parentTrialId) } : {}),
    ...(proto.code.length > 0 ? { code: [...proto.code] } : {}),
    ...(isObject(proto.info) ? { info: proto.info as JsonObject } : {}),
  };
}

/**
 * The domain's observation state from the wire's pair: an attempt whose lease expired is
 * STALE (its trial reads PENDING); otherwise the trial's state.
 */
export function observationStateFromProto(trialState: TrialState, attemptState: AttemptState, field: string): DomainTrialState {
  if (attemptState === AttemptState.ATTEMPT_STATE_STALE) return 'STALE';
  return trialStateConverter.toName(trialState, `${field}.trial_state`);
}

const ATTEMPT_STATE_OF: Readonly<Record<DomainTrialState, AttemptState>> = {
  // An attempt exists only once a worker holds the trial.
  PENDING: AttemptState.ATTEMPT_STATE_UNSPECIFIED,
  LEASED: AttemptState.ATTEMPT_STATE_LEASED,
  RUNNING: AttemptState.ATTEMPT_STATE_RUNNING,
  SUCCEEDED: AttemptState.ATTEMPT_STATE_SUCCEEDED,
  FAILED: AttemptState.ATTEMPT_STATE_FAILED,
  STALE: AttemptState.ATTEMPT_STATE_STALE,
  CANCELLED: AttemptState.ATTEMPT_STATE_CANCELLED,
};

/** The outcomes the wire marks `final` besides a trial's result (the proto's "the attempt's outcome"). */
const FINAL_OUTCOMES: ReadonlySet<DomainTrialState> = new Set(['FAILED', 'STALE', 'CANCELLED']);

/**
 * An observation from the wire; `field` names it in errors (`observations[2]`). Objectives
 * and the checkpoint come from its record, whose ids must agree with the observation's.
 * The wire's `final` marks any outcome (SUCCEEDED, FAILED, STALE, CANCELLED); the domain's
 * marks only a trial's result, so it is kept for SUCCEEDED alone (the state tells the rest).
 * The domain checks the rest (attempt >= 1, a result with objectives, ...) when it applies it.
 */
export function observationFromProto(proto: ObservationProto, field = 'observation'): DomainObservation {
  if (!proto.trialId) throw new InvalidArgumentError('is required', `${field}.trial_id`);
  const state = observationStateFromProto(proto.trialState, proto.attemptState, field);
  const record = proto.record;
  if (record) {
    if (record.trialId && record.trialId !== proto.trialId) {
      throw new InvalidArgumentError(`is '${record.trialId}' but the observation is of trial '${proto.trialId}'`, `${field}.record.trial_id`);
    }
    if (record.attempt && record.attempt !== proto.attempt) {
      throw new InvalidArgumentError(`is ${record.attempt} but the observation is of attempt ${proto.attempt}`, `${field}.record.attempt`);
    }
    if (record.epoch && record.epoch !== proto.epoch) {
      throw new InvalidArgumentError(`is ${record.epoch} but the observation is of epoch ${proto.epoch}`, `${field}.record.epoch`);
    }
  }
  const objectives: ObjectiveValue[] = (record?.objectives ?? []).map((objective, index) => objectiveFromProto(objective, `${field}.record.objectives[${index}]`));
  return {
    trialId: proto.trialId,
    attempt: proto.attempt,
    epoch: proto.epoch,
    state,
    ...(objectives.length > 0 ? { objectives } : {}),
    ...(proto.final && state === 'SUCCEEDED' ? { final: true } : {}),
    ...(record?.checkpointArtifact ? { checkpoint: record.checkpointArtifact } : {}),
    ...(proto.suggestion ? { suggestion: suggestionFromProto(proto.suggestion, `${field}.suggestion`) } : {}),
  };
}

/** An observation for the wire (as the generator logs it, or a plug-in receives it); `seq` is its place in the log. */
export function observationToProto(observation: DomainObservation, seq = 0): ObservationProto {
  const trialState = observation.state === 'STALE' ? 'PENDING' : observation.state;
  const hasRecord = (observation.objectives?.length ?? 0) > 0 || observation.checkpoint !== undefined;
  return ObservationProto.fromPartial({
    trialId: observation.trialId,
    attempt: observation.attempt,
    epoch: observation.epoch,
    final: observation.final === true || FINAL_OUTCOMES.has(observation.state),
    trialState: trialStateConverter.toProto(trialState),
    attemptState: ATTEMPT_STATE_OF[observation.state],
    record: hasRecord
      ? RecordProto.fromPartial({
          trialId: observation.trialId,
          attempt: observation.attempt,
          epoch: observation.epoch,
          trialState: trialStateConverter.toProto(trialState),
          objectives: (observation.objectives ?? []).map(objectiveToProto),
          checkpointArtifact: observation.checkpoint ?? '',
        })
      : undefined,
    seq,
    suggestion: observation.suggestion ? suggestionToProto(observation.suggestion, 'observation.suggestion') : undefined,
  });
}

/** What a search is made of (the generator's CreateSearch input). */
export interface SearchDefinition {
  readonly runId: string;
  readonly step: string;
  /** The registered algorithm type (`search_algorithm.type`). */
  readonly algorithm: string;
  /** The rest of the `search_algorithm` section (policy, objective_keys, codec, ...). */
  readonly settings: JsonObject;
  /** The raw `search_space` section. */
  readonly searchSpace: JsonObject;
  readonly objectives: readonly { readonly key: string; readonly goal: DomainGoal }[];
  readonly seed: number;
}

/** A search as the generator keeps it. */
export interface StoredSearch extends SearchDefinition {
  readonly id: string;
  readonly completed: boolean;
  /** The seq of the last observation applied. */
  readonly observedSeq: number;
  /** The seq the persisted state snapshot covers. */
  readonly snapshotSeq: number;
  readonly suggestionCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A CreateSearch's search (output-only fields ignored); the generator validates the content. */
export function searchDefinitionFromProto(proto: SearchProto | undefined, field = 'search'): SearchDefinition {
  if (!proto) throw new InvalidArgumentError('is required', field);
  if (!proto.algorithm) throw new InvalidArgumentError('is required: a registered algorithm type such as RandomSearch or TPE', `${field}.algorithm`);
  if (!isObject(proto.searchSpace)) throw new InvalidArgumentError('is required: the search_space section (hyperparameters and/or modules)', `${field}.search_space`);
  return {
    runId: proto.runId,
    step: proto.stepId,
    algorithm: proto.algorithm,
    settings: (proto.settings ?? {}) as JsonObject,
    searchSpace: proto.searchSpace as JsonObject,
    objectives: proto.objectives.map((spec, index) => objectiveSpecFromProto(spec, `${field}.objectives[${index}]`)),
    seed: proto.seed,
  };
}

export function searchToProto(search: StoredSearch): SearchProto {
  return {
    name: searchName(search.id),
    id: search.id,
    runId: search.runId,
    stepId: search.step,
    algorithm: search.algorithm,
    settings: { ...search.settings },
    searchSpace: { ...search.searchSpace },
    objectives: search.objectives.map((o) => ({ key: o.key, goal: objectiveGoalConverter.toProto(o.goal) })),
    seed: search.seed,
    completed: search.completed,
    observedSeq: search.observedSeq,
    snapshotSeq: search.snapshotSeq,
    suggestionCount: search.suggestionCount,
    createTime: search.createdAt,
    updateTime: search.updatedAt,
  };
}
