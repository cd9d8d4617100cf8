import { AttemptState, ListRecordsRequest, objectiveToProto, Observation, Record as RecordProto, RecordOrder, Suggestion, TrialState } from '@vela/contracts';
import type { Trial } from '@vela/db';
import type { ObjectiveValue } from '@vela/records';
import type { StepContext } from './step-context';

const TRIAL_STATE: Record<string, TrialState> = {
  PENDING: TrialState.TRIAL_STATE_PENDING,
  LEASED: TrialState.TRIAL_STATE_LEASED,
  RUNNING: TrialState.TRIAL_STATE_RUNNING,
  SUCCEEDED: TrialState.TRIAL_STATE_SUCCEEDED,
  FAILED: TrialState.TRIAL_STATE_FAILED,
  CANCELLED: TrialState.TRIAL_STATE_CANCELLED,
};
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** What the generator has been told of a trial: the outbox's mark, written after Observe succeeded. */
export interface ForwardedMark {
  readonly trialId: string;
  readonly attempt: number;
  readonly state: string;
  readonly epoch: number;
}

/**
 * Forwards what happened to a step's trials to the generator (DESIGN.md: every outcome goes
 * to Observe, intermediate records too). The trials table is the outbox: each trial keeps
 * the attempt, state and epoch last forwarded, so after a master restart nothing is lost and
 * re-sending is harmless (Observe is idempotent per trial, attempt, epoch).
 * `trials` are those the caller found behind (StepContext.summaryAndBacklog), so that what it
 * decides next (e.g. to suggest more) follows from exactly what the generator was told.
 * Returns the generator's `is_completed` (undefined when there was nothing to send), the
 * marks to write, which the caller writes with its next statement (StepContext.forwarded),
 * and, with `thenSuggest` > 0 and something sent, the suggestions made after it.
 */
export async function forwardObservations(
  context: StepContext,
  searchName: string,
  trials: readonly Trial[],
  onForwarded?: (observations: readonly Observation[]) => void,
  thenSuggest = 0,
): Promise<{ isCompleted?: boolean; marks: ForwardedMark[]; suggestions?: Suggestion[] }> {
  const observations: Observation[] = [];
  const marks: ForwardedMark[] = [];
  for (const trial of trials) {
    const pending = await observationsOf(context, trial);
    if (pending.observations.length === 0) continue;
    observations.push(...pending.observations);
    marks.push({ trialId: trial.id, ...pending.mark });
  }
  if (observations.length === 0) return { marks };
  const answer = await context.generator.observe({ name: searchName, observations, thenSuggestCount: thenSuggest });
  onForwarded?.(observations);
  return { isCompleted: answer.isCompleted, marks, suggestions: thenSuggest > 0 ? answer.suggestions : undefined };
}

async function observationsOf(context: StepContext, trial: Trial): Promise<{ observations: Observation[]; mark: { attempt: number; state: string; epoch: number } }> {
  const observations: Observation[] = [];
  let epoch = trial.forwardedEpoch;
  // An earlier attempt ended without ending the trial (its lease expired, or it failed and is retried).
  if (trial.forwardedAttempt > 0 && trial.forwardedAttempt < trial.attempt) {
    observations.push(
      Observation.fromPartial({
        trialId: trial.id,
        attempt: trial.forwardedAttempt,
        epoch: Math.max(0, trial.forwardedEpoch),
        trialState: TrialState.TRIAL_STATE_PENDING,
        attemptState: AttemptState.ATTEMPT_STATE_STALE,
      }),
    );
    epoch = -1;
  }
  // The first observation of a trial, or of a promotion, carries its suggestion.
  if (trial.forwardedAttempt === 0 || trial.forwardedAttempt < trial.attempt) {
    observations.push(
      Observation.fromPartial({
        trialId: trial.id,
        attempt: trial.attempt,
        epoch: 0,
        trialState: TrialState.TRIAL_STATE_PENDING,
        suggestion: trial.suggestion ? Suggestion.fromPartial({ ...(trial.suggestion as object), trialId: trial.id }) : undefined,
      }),
    );
  }
  // Every epoch recorded since the last forward, as intermediate observations (stopping rules
  // and multi-fidelity algorithms compare trials epoch by epoch), from Report's records.
  const terminal = TERMINAL.has(trial.state) && (trial.forwardedState !== trial.state || trial.forwardedAttempt !== trial.attempt);
  let records: RecordProto[] = [];
  // A success whose worker sent its result's objectives, with no epoch before the last still
  // to forward, needs nothing from Report: its result is on the row.
  const resultOnRow = terminal && trial.state === 'SUCCEEDED' && Array.isArray(trial.progressObjectives) && trial.progressEpoch <= Math.max(epoch, 0) + 1;
  // Epoch 0 is the start of training, with no record yet: a trial that has only started costs no call.
  if (!resultOnRow && (trial.progressEpoch > Math.max(epoch, 0) || (terminal && trial.state === 'SUCCEEDED'))) {
    records = await recordsOf(context, trial.id, trial.attempt);
    const last = records[records.length - 1]?.epoch ?? -1;
    for (const record of records) {
      if (record.epoch <= epoch || record.objectives.length === 0 || (terminal && record.epoch === last)) continue;
      observations.push(
        Observation.fromPartial({
          trialId: trial.id,
          attempt: trial.attempt,
          epoch: record.epoch,
          trialState: TrialState.TRIAL_STATE_RUNNING,
          attemptState: AttemptState.ATTEMPT_STATE_RUNNING,
          record: RecordProto.fromPartial({ trialId: trial.id, attempt: trial.attempt, epoch: record.epoch, objectives: record.objectives, checkpointArtifact: record.checkpointArtifact }),
        }),
      );
      epoch = record.epoch;
    }
  }
  if (terminal) {
    let record: RecordProto | undefined;
    let finalEpoch = trial.progressEpoch;
    if (resultOnRow) {
      record = RecordProto.fromPartial({
        trialId: trial.id,
        attempt: trial.attempt,
        epoch: trial.progressEpoch,
        objectives: (trial.progressObjectives as unknown as ObjectiveValue[]).map(objectiveToProto),
        checkpointArtifact: trial.checkpointArtifactId ? `artifacts/${trial.checkpointArtifactId}` : '',
      });
    } else if (trial.state === 'SUCCEEDED') {
      // The trial's result: the last record of its (last, successful) attempt, as Report keeps it.
      record = records[records.length - 1];
      finalEpoch = record?.epoch ?? finalEpoch;
    }
    observations.push(
      Observation.fromPartial({
        trialId: trial.id,
        attempt: trial.attempt,
        epoch: finalEpoch,
        final: true,
        trialState: TRIAL_STATE[trial.state],
        attemptState: trial.state === 'SUCCEEDED' ? AttemptState.ATTEMPT_STATE_SUCCEEDED : trial.state === 'FAILED' ? AttemptState.ATTEMPT_STATE_FAILED : AttemptState.ATTEMPT_STATE_CANCELLED,
        record,
      }),
    );
    epoch = finalEpoch;
  }
  return { observations, mark: { attempt: trial.attempt, state: trial.state, epoch } };
}

async function recordsOf(context: StepContext, trialId: string, attempt: number): Promise<RecordProto[]> {
  const { records } = await context.report.listRecords(ListRecordsRequest.fromPartial({ filter: { trialId }, pageSize: 1000, order: RecordOrder.RECORD_ORDER_TRIAL }));
  return records.filter((record) => record.attempt === attempt);
}
