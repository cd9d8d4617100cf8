import { AttemptState, Observation, ObjectiveGoal, Record as RecordProto, Suggestion, TrialState, type Objective } from '@vela/contracts';
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

/**
 * Forwards what happened to a step's trials to the generator (DESIGN.md: every outcome goes
 * to Observe, intermediate records too). The trials table is the outbox: each trial keeps
 * the attempt, state and epoch last forwarded, so after a master restart nothing is lost and
 * re-sending is harmless (Observe is idempotent per trial, attempt, epoch).
 * Returns the generator's `is_completed`, or undefined when there was nothing to send.
 */
export async function forwardObservations(context: StepContext, searchName: string): Promise<boolean | undefined> {
  const trials = await context.trials();
  const observations: Observation[] = [];
  const marks: { trial: Trial; attempt: number; state: string; epoch: number }[] = [];
  for (const trial of trials) {
    const pending = await observationsOf(context, trial);
    if (pending.observations.length === 0) continue;
    observations.push(...pending.observations);
    marks.push({ trial, ...pending.mark });
  }
  if (observations.length === 0) return undefined;
  const answer = await context.generator.observe({ name: searchName, observations });
  await context.prisma.$transaction(
    marks.map((mark) =>
      context.prisma.trial.update({
        where: { id: mark.trial.id },
        data: { forwardedAttempt: mark.attempt, forwardedState: mark.state, forwardedEpoch: mark.epoch },
      }),
    ),
  );
  return answer.isCompleted;
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
  const progressed = trial.progressEpoch > epoch && Array.isArray(trial.progressObjectives) && trial.progressObjectives.length > 0;
  if (!TERMINAL.has(trial.state) && (trial.state === 'RUNNING' || trial.state === 'LEASED') && progressed) {
    observations.push(
      Observation.fromPartial({
        trialId: trial.id,
        attempt: trial.attempt,
        epoch: trial.progressEpoch,
        trialState: TRIAL_STATE[trial.state],
        attemptState: trial.state === 'RUNNING' ? AttemptState.ATTEMPT_STATE_RUNNING : AttemptState.ATTEMPT_STATE_LEASED,
        record: RecordProto.fromPartial({ trialId: trial.id, attempt: trial.attempt, epoch: trial.progressEpoch, objectives: toProtoObjectives(trial.progressObjectives as unknown as ObjectiveValue[]) }),
      }),
    );
    epoch = trial.progressEpoch;
  }
  if (TERMINAL.has(trial.state) && (trial.forwardedState !== trial.state || trial.forwardedAttempt !== trial.attempt)) {
    let record: RecordProto | undefined;
    let finalEpoch = trial.progressEpoch;
    if (trial.state === 'SUCCEEDED') {
      // The trial's result: the last record of its (last, successful) attempt, as Report keeps it.
      record = (await context.report.getRecord({ trialId: trial.id, attempt: trial.attempt })).record;
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

function toProtoObjectives(objectives: readonly ObjectiveValue[]): Objective[] {
  return objectives.map((objective) => ({
    key: objective.key,
    goal: objective.goal === 'MINIMIZE' ? ObjectiveGoal.OBJECTIVE_GOAL_MINIMIZE : ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE,
    value: objective.value,
  }));
}
