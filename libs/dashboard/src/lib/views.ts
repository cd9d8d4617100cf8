import {
  durationToMillis,
  objectiveGoalToJSON,
  runStateToJSON,
  stepStateToJSON,
  trialStateToJSON,
  workerStateToJSON,
  type Capacity,
  type ObjectiveSpec,
  type Record as RecordProto,
  type Run,
  type Step,
  type Trial,
  type Worker,
} from '@vela/contracts';
import type { BestObjective, CapacityView, ObjectiveSpecView, RunDetail, RunStateName, RunSummary, StepView, TrialRow, TrialStateName, WorkerStateName, WorkerTrial, WorkerView } from '../api';

// Protos as the API's JSON: enum names without their prefix, timestamps as ISO strings.

const unprefixed = (json: string, prefix: string) => json.slice(prefix.length);
const iso = (date: Date | undefined) => date?.toISOString();

const trialStateName = (state: Trial['state']) => unprefixed(trialStateToJSON(state), 'TRIAL_STATE_') as TrialStateName;

export function objectiveSpecView(spec: ObjectiveSpec): ObjectiveSpecView {
  return { key: spec.key, goal: unprefixed(objectiveGoalToJSON(spec.goal), 'OBJECTIVE_GOAL_') === 'MINIMIZE' ? 'MINIMIZE' : 'MAXIMIZE' };
}

export function stepView(step: Step): StepView {
  const counts = step.trialCounts ?? { pending: 0, leased: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, earlyStopped: 0 };
  return {
    id: step.id,
    index: step.index,
    type: step.pipeStepType,
    state: unprefixed(stepStateToJSON(step.state), 'STEP_STATE_') as StepView['state'],
    objectives: step.objectives.map(objectiveSpecView),
    counts: { pending: counts.pending, leased: counts.leased, running: counts.running, succeeded: counts.succeeded, failed: counts.failed, cancelled: counts.cancelled - counts.earlyStopped, earlyStopped: counts.earlyStopped },
    waitReason: step.waitReason,
    error: step.error,
    outputDir: step.outputDir,
    startTime: iso(step.startTime),
    endTime: iso(step.endTime),
  };
}

export function runSummary(run: Run, best: BestObjective | undefined): RunSummary {
  const steps = run.steps.map(stepView);
  const total = steps.reduce((sum, step) => sum + Object.values(step.counts).reduce((a, b) => a + b, 0), 0);
  const finished = steps.reduce((sum, step) => sum + step.counts.succeeded + step.counts.failed + step.counts.earlyStopped + step.counts.cancelled, 0);
  return {
    id: run.id,
    displayName: run.displayName,
    state: unprefixed(runStateToJSON(run.state), 'RUN_STATE_') as RunStateName,
    error: run.error,
    createTime: iso(run.createTime),
    startTime: iso(run.startTime),
    endTime: iso(run.endTime),
    progress: { finished, total, stepsDone: steps.filter((step) => step.state === 'SUCCEEDED').length, steps: steps.length },
    best,
  };
}

export function runDetail(run: Run, best: BestObjective | undefined): RunDetail {
  return { ...runSummary(run, best), revision: Number(run.revision), outputDir: run.outputDir, steps: run.steps.map(stepView) };
}

/** The step whose best result stands for the run: the last one with results and objectives. */
export function stepForBest(run: Run): Step | undefined {
  return [...run.steps].reverse().find((step) => step.objectives.length > 0 && (step.trialCounts?.succeeded ?? 0) > 0);
}

/** A trial as the master lists it, before any record. */
export function trialRow(trial: Trial): TrialRow {
  return {
    id: trial.id,
    number: trial.number,
    step: trial.stepId,
    state: trialStateName(trial.state),
    attempt: trial.attempt,
    objectives: {},
    hyperparameters: trial.hyperparameters ?? {},
    desc: trial.desc ?? {},
    error: trial.error || undefined,
  };
}

/** The values a record adds to its trial's row (the master's state wins where it is known). */
export function rowWithRecord(row: TrialRow | undefined, record: RecordProto): TrialRow {
  const objectives: Record<string, number> = { ...record.performance };
  for (const objective of record.objectives) objectives[objective.key] = objective.value;
  if (record.flops !== undefined) objectives['flops'] ??= record.flops;
  if (record.params !== undefined) objectives['params'] ??= record.params;
  if (record.latencyMs !== undefined) objectives['latency_ms'] ??= record.latencyMs;
  const trainMillis = durationToMillis(record.trainDuration);
  return {
    id: record.trialId,
    number: record.trialNumber,
    step: record.stepId,
    state: row?.state ?? trialStateName(record.trialState),
    attempt: record.attempt,
    epoch: record.epoch,
    objectives,
    hyperparameters: record.hyperparameters ?? row?.hyperparameters ?? {},
    desc: record.desc ?? row?.desc ?? {},
    trainSeconds: trainMillis === undefined ? undefined : trainMillis / 1000,
    updateTime: iso(record.updateTime),
    error: record.errorMessage || row?.error,
  };
}

/** True when `record` is at or after the (attempt, epoch) the row shows. */
export function isNewerRecord(row: TrialRow | undefined, record: RecordProto): boolean {
  if (!row || row.epoch === undefined) return true;
  return record.attempt > row.attempt || (record.attempt === row.attempt && record.epoch >= row.epoch);
}

const capacityView = (capacity: Capacity | undefined): CapacityView => ({ gpus: capacity?.gpus ?? 0, cpuSlots: capacity?.cpuSlots ?? 0, memoryBytes: capacity?.memoryBytes ?? 0 });

export function workerView(worker: Worker, running: readonly WorkerTrial[]): WorkerView {
  return {
    id: worker.id,
    hostname: worker.hostname,
    state: unprefixed(workerStateToJSON(worker.state), 'WORKER_STATE_') as WorkerStateName,
    backend: worker.backend,
    device: worker.device,
    capacity: capacityView(worker.capacity),
    free: capacityView(worker.freeCapacity),
    running,
    lastHeartbeatTime: iso(worker.lastHeartbeatTime),
  };
}
