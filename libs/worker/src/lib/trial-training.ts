import { durationFromMillis, Record as RecordProto, TrialState, type Objective, type Trial } from '@vela/contracts';
import { createDataset } from '@vela/datasets';
import { FailedPreconditionError, InvalidArgumentError, UnauthenticatedError } from '@vela/errors';
import { registry } from '@vela/registry';
import { artifactKey, type ComputeDescription, type EpochRecord, type Trainer } from '@vela/trainer';
import { type ReportChannel, ReportArtifactStore } from './report-channel';
import { attemptIdentity, epochRecordToProto, failureRecordToProto, objectivesOf, performanceOf, recordEpoch } from './trial-records';

/** How one attempt ended, as the training process tells its supervisor. */
export interface TrainingOutcome {
  /**
   * SUCCEEDED / FAILED: complete the trial so. STOPPED: the stop signal ended it. FENCED:
   * Report refused the attempt (a newer one exists), so it must not be completed.
   * UNAUTHENTICATED: Report refused the token.
   */
  readonly outcome: 'SUCCEEDED' | 'FAILED' | 'STOPPED' | 'FENCED' | 'UNAUTHENTICATED';
  /** The epoch of the attempt's last record in Report. */
  readonly finalEpoch?: number;
  readonly error?: string;
  readonly logTail?: string;
  /** The attempt's last checkpoint (`artifacts/{id}`). */
  readonly checkpointArtifact?: string;
  /** The training process died (or broke its protocol), so no failure record was written for it. */
  readonly crashed?: boolean;
  /**
   * The attempt's final record (`Record.toJSON`), not yet written: the supervisor writes it
   * and completes the trial once Report has stored it (see ReportChannel's holdFinalRecord).
   */
  readonly finalRecord?: unknown;
  /** How long the training process spent on the attempt, in ms (not counting any wait before it). */
  readonly trainingMs?: number;
  /** Its training process ended before it began the attempt: it is to be trained by another. */
  readonly notStarted?: boolean;
}

export interface TrainingHooks {
  /** The master's stop (or the worker's drain): training stops at the next step boundary. */
  readonly signal: AbortSignal;
  /** After the model is built (epoch 0) and after each epoch, for ReportProgress. */
  progress(epoch: number, totalEpochs: number, objectives: Objective[]): void;
  log(line: string): void;
  /** The backend this process trains with, copied into every record. */
  readonly compute?: ComputeDescription;
}

const LOG_TAIL_LINES = 40;
/** The most an epoch's end waits for its writes to reach Report (ReportChannel.settle): usually a fraction of a second. */
const EPOCH_WRITES_WAIT_MS = 5000;

/**
 * Trains one attempt of a trial, as a Vega worker does: the step's `trainer` and `dataset`
 * sections with the trial's hyperparameters laid over them (`{trainer: {...}, dataset:
 * {...}}`), its budget as `trainer.epochs` and its seed (when set) as `trainer.seed`; the desc as the
 * network. Each epoch's record goes to Report through `channel` (with the checkpoint it
 * left), resuming from the trial's checkpoint artifact, or else from the newest checkpoint an
 * earlier attempt of the trial left; a PBT child starts from its parent's checkpoint instead.
 * Never throws: every failure is an outcome with its message and log tail, recorded in
 * Report as a FAILED record.
 */
export async function trainTrial(trial: Trial, channel: ReportChannel, hooks: TrainingHooks): Promise<TrainingOutcome> {
  const identity = attemptIdentity(trial);
  const tail: string[] = [];
  const log = (line: string) => {
    tail.push(line);
    if (tail.length > LOG_TAIL_LINES) tail.shift();
    hooks.log(line);
  };
  const stop = new AbortController();
  const onStop = () => stop.abort(hooks.signal.reason);
  hooks.signal.addEventListener('abort', onStop, { once: true });
  if (hooks.signal.aborted) onStop();
  channel.onFailure((failure) => stop.abort(failure.message));

  const prefix = `trials/${trial.id}`;
  const checkpointKey = artifactKey(prefix, 'checkpoint.vela');
  let trainer: Trainer | undefined;
  let lastEpoch: number | undefined;
  let trainSeconds = 0;
  let failure: string | undefined;
  let result: Awaited<ReturnType<Trainer['train']>> | undefined;
  let resumeFrom: string | undefined;
  try {
    if (trial.stepConfig?.['task'] === 'evaluate') {
      const evaluated = await evaluateTrial(trial, channel, hooks, { log, signal: stop.signal, prefix });
      trainer = evaluated.trainer;
      lastEpoch = evaluated.epoch;
      resumeFrom = trial.checkpointArtifact;
    } else {
      // A PBT child's checkpoint artifact is its parent's: it starts from those weights
      // (`initFrom`, epochs from 0); any other trial's is its own, to resume from.
      const parentCheckpoint = trial.parentTrialId && trial.checkpointArtifact ? trial.checkpointArtifact : undefined;
      const initFrom = parentCheckpoint ? artifactKey('parents', trial.parentTrialId, 'checkpoint.vela') : undefined;
      const given = parentCheckpoint ? undefined : trial.checkpointArtifact;
      // A RUNNING trial was leased to this worker before it restarted: its attempt trained
      // already and left its own checkpoints. A fresh attempt resumes from an earlier one's.
      resumeFrom =
        trial.state === TrialState.TRIAL_STATE_RUNNING
          ? ((await channel.latestCheckpoint(trial.id, trial.attempt)) ?? given)
          : given || (trial.attempt > 1 ? await channel.latestCheckpoint(trial.id, trial.attempt - 1) : undefined);
      const { trainerSection, datasetSection } = trainingSections(trial);
      const remote = new Map<string, string>();
      if (resumeFrom) remote.set(checkpointKey, resumeFrom);
      if (initFrom && parentCheckpoint) remote.set(initFrom, parentCheckpoint);
      const store = new ReportArtifactStore(channel, identity, checkpointKey, remote);
      const reporter = {
        report: (record: EpochRecord) => {
          trainSeconds += record.timings.epochSeconds;
          const objectives = objectivesOf(trial.objectives, performanceOf(record), (trainer as Trainer).primaryMetric);
          channel.writeRecord(epochRecordToProto(identity, record, objectives, trainSeconds, ''), record.checkpoint);
          lastEpoch = recordEpoch(record);
          hooks.progress(lastEpoch, (trainer as Trainer).epochs, objectives);
          // The epoch's checkpoint and record reach Report before the next epoch trains.
          return channel.settle(EPOCH_WRITES_WAIT_MS);
        },
      };
      const type = typeof trainerSection['type'] === 'string' ? (trainerSection['type'] as string) : 'Trainer';
      trainer = registry.get('trainer', type, 'trainer.type').factory({
        config: trainerSection,
        desc: trial.desc,
        dataset: datasetSection,
        artifacts: store,
        artifactPrefix: prefix,
        initFrom,
        reporter,
        signal: stop.signal,
        log,
        compute: hooks.compute,
      });
      const origin = resumeFrom ? `, resuming from ${resumeFrom}` : parentCheckpoint ? `, starting from parent ${trial.parentTrialId}'s ${parentCheckpoint}` : '';
      log(`trial ${trial.name} attempt ${trial.attempt}: ${trainer.statistics.params.toFixed(2)}k params, ${trainer.epochs} epochs${origin}`);
      hooks.progress(0, trainer.epochs, []);
      result = await trainer.train();
      if (lastEpoch === undefined && result.lastRecord && result.status === 'succeeded') {
        // A resumed attempt whose checkpoint had finished trains nothing: its result is the
        // checkpoint's record, written again under this attempt so that Report sees it.
        const record = result.lastRecord;
        channel.writeRecord(epochRecordToProto(identity, record, objectivesOf(trial.objectives, performanceOf(record), trainer.primaryMetric), trainSeconds, resumeFrom ?? ''));
        lastEpoch = recordEpoch(record);
      }
      if (result.status === 'rejected') failure = result.message ?? 'rejected by trainer.limits';
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    log(`trial ${trial.name} attempt ${trial.attempt} failed: ${failure}`);
    if (!channel.failure) {
      const stats = trainer?.statistics;
      channel.writeRecord(
        failureRecordToProto(identity, lastEpoch === undefined ? (trainer ? trainer.startEpoch + 1 : 0) : lastEpoch + 1, failure, tail.join('\n'), {
          flops: stats?.flops,
          params: stats?.params,
          ...hooks.compute,
        }),
      );
    }
  } finally {
    hooks.signal.removeEventListener('abort', onStop);
    trainer?.dispose();
  }
  try {
    await channel.flush();
  } catch (error) {
    if (error instanceof FailedPreconditionError) return { outcome: 'FENCED', error: error.message, logTail: tail.join('\n') };
    if (error instanceof UnauthenticatedError) return { outcome: 'UNAUTHENTICATED', error: error.message, logTail: tail.join('\n') };
    failure ??= (error as Error).message;
  }
  const checkpointArtifact = channel.artifactName(checkpointKey) ?? resumeFrom;
  const finalRecord = channel.finalRecord();
  const common = {
    finalEpoch: lastEpoch,
    logTail: tail.join('\n'),
    ...(checkpointArtifact ? { checkpointArtifact } : {}),
    ...(finalRecord ? { finalRecord: RecordProto.toJSON(finalRecord) } : {}),
  };
  if (failure !== undefined) return { outcome: 'FAILED', error: failure, ...common };
  if (result?.status === 'stopped') return { outcome: 'STOPPED', error: result.message, ...common };
  return { outcome: 'SUCCEEDED', ...common };
}

/**
 * A benchmark trial (Vega's BenchmarkPipeStep): the trained weights of its checkpoint
 * artifact, evaluated on the test split with the step's trainer settings (metrics, loss);
 * one record at epoch 1 with the test metrics, FLOPs, parameters and the latency of one
 * example. Trains nothing.
 */
async function evaluateTrial(
  trial: Trial,
  channel: ReportChannel,
  hooks: TrainingHooks,
  context: { log: (line: string) => void; signal: AbortSignal; prefix: string },
): Promise<{ trainer: Trainer; epoch: number }> {
  if (!trial.checkpointArtifact) throw new InvalidArgumentError('is required: a benchmark trial evaluates the weights of a trained model', 'checkpoint_artifact');
  const identity = attemptIdentity(trial);
  const { trainerSection, datasetSection } = trainingSections(trial);
  const source = artifactKey('benchmark', 'source.vela');
  const store = new ReportArtifactStore(channel, identity, artifactKey(context.prefix, 'checkpoint.vela'), new Map([[source, trial.checkpointArtifact]]));
  const type = typeof trainerSection['type'] === 'string' ? (trainerSection['type'] as string) : 'Trainer';
  const trainer = registry.get('trainer', type, 'trainer.type').factory({
    config: trainerSection,
    desc: trial.desc,
    dataset: datasetSection,
    artifacts: store,
    artifactPrefix: context.prefix,
    initFrom: source,
    signal: context.signal,
    log: context.log,
    compute: hooks.compute,
  });
  context.log(`trial ${trial.name}: evaluating ${trial.checkpointArtifact} on the test set`);
  hooks.progress(0, 1, []);
  const result = await trainer.evaluate(createDataset(datasetSection, 'test')).catch((error: unknown) => {
    throw aboutCheckpoint(error, source, trial.checkpointArtifact);
  });
  const performance = { ...result.performance, latency_ms: result.latencyMs };
  const objectives = objectivesOf(trial.objectives, performance, trainer.primaryMetric);
  channel.writeRecord(
    RecordProto.fromPartial({
      ...identity,
      epoch: 1,
      trialState: TrialState.TRIAL_STATE_SUCCEEDED,
      performance,
      objectives,
      flops: trainer.statistics.flops,
      params: trainer.statistics.params,
      latencyMs: result.latencyMs,
      backend: result.compute?.backend ?? '',
      threads: result.compute?.threads ?? 0,
      device: result.compute?.device ?? '',
      checkpointArtifact: trial.checkpointArtifact,
      trainDuration: durationFromMillis(result.evaluateSeconds * 1000, 'record.train_duration'),
    }),
  );
  context.log(`trial ${trial.name}: ${Object.entries(performance).map(([key, value]) => `${key}=${value.toFixed(4)}`).join(' ')} on ${result.examples} test examples`);
  hooks.progress(1, 1, objectives);
  return { trainer, epoch: 1 };
}

/**
 * An error the trainer raised about the weights it loaded under `key` (a name of this worker's
 * own), said instead of the trial's checkpoint artifact: what the user can look up.
 */
function aboutCheckpoint(error: unknown, key: string, artifact: string): unknown {
  if (!(error instanceof InvalidArgumentError) || error.field !== key) return error;
  const detail = error.message.startsWith(`${key}: `) ? error.message.slice(key.length + 2) : error.message;
  return new InvalidArgumentError(`${artifact} (the trained weights this benchmark evaluates) ${detail}`, 'checkpoint_artifact');
}

/** The trainer and dataset sections an attempt trains with: the step's, overlaid by the trial's hyperparameters, budget and seed. */
export function trainingSections(trial: Trial): { trainerSection: Record<string, unknown>; datasetSection: Record<string, unknown> } {
  const config = trial.stepConfig ?? {};
  const hyperparameters = trial.hyperparameters ?? {};
  const trainerSection = overlay(section(config['trainer'], 'step_config.trainer'), section(hyperparameters['trainer'], 'hyperparameters.trainer'));
  if (trial.budgetEpochs > 0) trainerSection['epochs'] = trial.budgetEpochs;
  // 0 is proto3's "unset": the step's own `trainer.seed` (or none) stays.
  if (trial.seed !== 0) trainerSection['seed'] = trial.seed;
  if (config['dataset'] === undefined) {
    throw new InvalidArgumentError("is missing: the master must send the step's resolved dataset section with the trial", 'step_config.dataset');
  }
  const datasetSection = overlay(section(config['dataset'], 'step_config.dataset'), asCommon(section(hyperparameters['dataset'], 'hyperparameters.dataset')));
  return { trainerSection, datasetSection };
}

const DATASET_SECTIONS = ['type', 'name', 'common', 'train', 'val', 'test'];

/**
 * The trial's dataset hyperparameters with a searched key (`dataset.batch_size`, which lands
 * beside `type`) moved into `common`: the step's resolved section keeps its shared settings
 * there, which a key beside `type` does not override. A mode's own setting still wins.
 */
function asCommon(hyperparameters: Record<string, unknown>): Record<string, unknown> {
  const sections = Object.fromEntries(Object.entries(hyperparameters).filter(([key]) => DATASET_SECTIONS.includes(key)));
  const flat = Object.fromEntries(Object.entries(hyperparameters).filter(([key]) => !DATASET_SECTIONS.includes(key)));
  if (Object.keys(flat).length === 0) return hyperparameters;
  return { ...sections, common: overlay(section(sections['common'], 'hyperparameters.dataset.common'), flat) };
}

function section(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError(`must be a mapping, got ${JSON.stringify(value)}`, field);
  return value as Record<string, unknown>;
}

/** `base` with `over` laid on it, mappings merged key by key, anything else replaced. */
function overlay(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    const both = [current, value].every((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    result[key] = both ? overlay(current as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return result;
}
