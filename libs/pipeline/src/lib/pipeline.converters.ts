import {
  AttemptState,
  enumConverter,
  objectiveGoalConverter,
  RunState,
  runName,
  StepState,
  stepName,
  StopReason,
  trialName,
  trialStateConverter,
  TrialOutcome,
  WorkerState,
  workerName,
  type Capacity as CapacityProto,
  type Run as RunProto,
  type StopSignal,
  type Trial as TrialProto,
  type TrialEvent as TrialEventProto,
  objectiveToProto,
  type Worker as WorkerProto,
  durationFromMillis,
} from '@vela/contracts';
import type { Attempt, Trial } from '@vela/db';
import type { ObjectiveValue } from '@vela/records';
import { objectivesToProto } from './objectives';
import type { Capacity } from './resources';
import type { RunView, TrialEventRow } from './run.service';
import type { Outcome, StopReasonName, StopSignalInfo } from './trial-queue.service';
import type { WorkerView } from './worker-registry.service';

// The pipeline's rows are Prisma models (the data lib), which @vela/contracts may not import,
// so their conversions live with the service that owns them.

export const runStateConverter = enumConverter<typeof RunState, string>(RunState, 'RUN_STATE_');
const stepStateConverter = enumConverter<typeof StepState, string>(StepState, 'STEP_STATE_');
const attemptStateConverter = enumConverter<typeof AttemptState, string>(AttemptState, 'ATTEMPT_STATE_');
export const workerStateConverter = enumConverter<typeof WorkerState, string>(WorkerState, 'WORKER_STATE_');
const stopReasonConverter = enumConverter<typeof StopReason, StopReasonName>(StopReason, 'STOP_REASON_');
export const outcomeConverter = enumConverter<typeof TrialOutcome, Outcome>(TrialOutcome, 'TRIAL_OUTCOME_');

export function runToProto(view: RunView): RunProto {
  const { run } = view;
  const limits = (run.limits ?? {}) as { max_retries?: number; max_trials?: number; trials_in_flight?: number; max_duration_s?: number };
  return {
    name: runName(run.id),
    id: run.id,
    displayName: run.displayName,
    state: runStateConverter.toProto(run.state),
    configYaml: run.configYaml,
    overrides: run.overrides,
    resolvedConfig: run.resolvedConfig as Record<string, unknown>,
    requestId: run.requestId ?? '',
    outputDir: run.outputDir ?? '',
    error: run.error ?? '',
    limits: {
      maxAttempts: 1 + (limits.max_retries ?? 2),
      maxTrials: limits.max_trials ?? 0,
      maxConcurrentTrials: limits.trials_in_flight ?? 0,
      maxDuration: limits.max_duration_s === undefined ? undefined : durationFromMillis(limits.max_duration_s * 1000),
    },
    steps: view.steps.map(({ step, counts }) => ({
      name: stepName(run.id, step.name),
      id: step.name,
      index: step.index,
      pipeStepType: step.type,
      state: stepStateConverter.toProto(step.state),
      objectives: ((step.objectives ?? []) as { key: string; goal: 'MINIMIZE' | 'MAXIMIZE' }[]).map((objective) => ({ key: objective.key, goal: objectiveGoalConverter.toProto(objective.goal) })),
      search: step.searchId ? `searches/${step.searchId}` : '',
      trialCounts: counts,
      waitReason: step.waitReason ?? '',
      outputDir: step.outputDir ?? '',
      error: step.error ?? '',
      endReason: step.endReason ?? '',
      startTime: step.startedAt ?? undefined,
      endTime: step.endedAt ?? undefined,
    })),
    revision: run.revision,
    createTime: run.createdAt,
    startTime: run.startedAt ?? undefined,
    endTime: run.endedAt ?? undefined,
  };
}

/** A trial change as WatchRun reports it. */
export function trialEventToProto(event: TrialEventRow): TrialEventProto {
  return {
    trial: trialName(event.runId, event.step, String(event.number)),
    stepId: event.step,
    number: event.number,
    state: trialStateConverter.toProto(event.state),
    attempt: event.attempt,
    epoch: event.progressEpoch,
    objectives: ((event.progressObjectives ?? []) as ObjectiveValue[]).map(objectiveToProto),
    error: event.error ?? '',
  };
}

export function trialToProto(trial: Trial, stepConfig: unknown, objectives: readonly { key: string; goal: 'MINIMIZE' | 'MAXIMIZE' }[], attempts: readonly Attempt[] = []): TrialProto {
  return {
    name: trialName(trial.runId, trial.step, String(trial.number)),
    id: trial.id,
    runId: trial.runId,
    stepId: trial.step,
    number: trial.number,
    state: trialStateConverter.toProto(trial.state),
    attempt: trial.attempt,
    desc: trial.desc as Record<string, unknown>,
    hyperparameters: trial.hyperparameters as Record<string, unknown>,
    seed: trial.seed ?? 0,
    budgetEpochs: trial.budget ?? 0,
    rung: trial.rung ?? 0,
    parentTrialId: trial.parentTrialId ?? '',
    checkpointArtifact: trial.checkpointArtifactId ? `artifacts/${trial.checkpointArtifactId}` : '',
    resources: { gpus: trial.gpus, cpuSlots: trial.cpuSlots, memoryBytes: Number(trial.memoryBytes), labels: (trial.labels ?? {}) as Record<string, string> },
    stepConfig: { ...(stepConfig as Record<string, unknown>), task: trial.task, resume_epoch: trial.resumeEpoch ?? undefined },
    objectives: objectivesToProto(objectives),
    leaseOwner: trial.leaseOwner ?? '',
    leaseExpireTime: trial.leaseExpiresAt ?? undefined,
    waitReason: trial.waitReason ?? '',
    stopRequested: trial.stopRequested,
    stopReason: trial.stopReason ? stopReasonConverter.toProto(trial.stopReason as StopReasonName) : StopReason.STOP_REASON_UNSPECIFIED,
    error: trial.error ?? '',
    attempts: attempts.map((attempt) => ({
      attempt: attempt.attempt,
      state: attemptStateConverter.toProto(attempt.state) as AttemptState,
      workerId: attempt.workerId ?? '',
      startTime: attempt.startedAt,
      endTime: attempt.endedAt ?? undefined,
      error: attempt.error ?? '',
      logTail: attempt.logTail ?? '',
    })),
    createTime: trial.createdAt,
    startTime: trial.startedAt ?? undefined,
    endTime: trial.endedAt ?? undefined,
  };
}

export function capacityFromProto(capacity: CapacityProto | undefined): Capacity {
  return { gpus: capacity?.gpus ?? 0, cpuSlots: capacity?.cpuSlots ?? 0, memoryBytes: capacity?.memoryBytes ?? 0, labels: capacity?.labels ?? {} };
}

export function workerToProto(view: WorkerView): WorkerProto {
  const { worker } = view;
  return {
    name: workerName(worker.id),
    id: worker.id,
    hostname: worker.hostname,
    capacity: { gpus: worker.gpus, cpuSlots: worker.cpuSlots, memoryBytes: Number(worker.memoryBytes), labels: (worker.labels ?? {}) as Record<string, string> },
    freeCapacity: { ...view.freeCapacity, labels: { ...view.freeCapacity.labels } },
    backend: worker.backend,
    device: worker.device,
    threads: 0,
    version: '',
    state: workerStateConverter.toProto(view.state) as WorkerState,
    leasedTrialIds: [...view.leasedTrialIds],
    lastHeartbeatTime: worker.lastHeartbeatAt,
    registerTime: worker.registeredAt,
  };
}

export function stopToProto(stop: StopSignalInfo): StopSignal {
  return { trialId: stop.trialId, attempt: stop.attempt, reason: stopReasonConverter.toProto(stop.reason) as StopReason, message: stop.message };
}
