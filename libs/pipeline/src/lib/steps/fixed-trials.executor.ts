import { NetworkDesc } from '@vela/networks';
import { onBuiltInTrainer } from '../config-check';
import type { StepContext } from '../step-context';
import { MODEL_KEYS, stepModels, storedWeights, type ChosenModel } from './model-sources';
import { checkLimits } from './run-limits';
import { registerPipeStep, StepFailedError, type StepExecutor } from './step-executor';

const IN_FLIGHT = new Set(['PENDING', 'LEASED', 'RUNNING']);

/**
 * Steps that run a fixed set of trials, one per chosen model: Vega's TrainPipeStep (fully
 * train the best descs of an earlier step, or a given desc) and BenchmarkPipeStep (evaluate
 * trained models on the test set: metrics, FLOPs, parameters, latency).
 */
export class FixedTrialsExecutor implements StepExecutor {
  constructor(private readonly task: 'train' | 'evaluate') {}

  async execute(context: StepContext): Promise<void> {
    const cap = context.config.general.limits.trials_in_flight;
    // Models are chosen once, unless a cap leaves some to create after a restart: the choice
    // is the same (it reads what earlier steps left), and trial n is model n.
    const models = (await context.trials()).length === 0 || cap !== undefined ? await this.chooseModels(context) : [];
    while (!context.signal.aborted) {
      const trials = await context.trials();
      const inFlight = trials.filter((trial) => IN_FLIGHT.has(trial.state)).length;
      const room = Math.min(models.length - trials.length, cap === undefined ? Infinity : cap - inFlight);
      // Nothing is created once the run has ended (cancelled): then it waits for the driver's stop.
      if (room > 0 && (await this.createTrials(context, models.slice(trials.length, trials.length + room))) > 0) continue;
      if (inFlight === 0 && trials.length >= models.length) {
        if (!trials.some((trial) => trial.state === 'SUCCEEDED')) {
          throw new StepFailedError(`every trial of ${context.step.name} failed; first error: ${trials.find((trial) => trial.error)?.error ?? 'none recorded'}`);
        }
        return;
      }
      // Only the failed-trial limit applies here (it throws): the budget and the target stop searches.
      await checkLimits(context, await context.trialSummary());
      await context.explainWaiting();
      await context.waitForChange(1000);
    }
  }

  /** One trial per model, in the models' order (general.limits.trials_in_flight: a few at a time). */
  private async createTrials(context: StepContext, models: readonly ChosenModel[]): Promise<number> {
    const epochs = (context.stepConfig.trainer as { epochs?: number } | undefined)?.epochs;
    const created = await context.createTrials(
      models.map((model) => ({
        desc: model.desc,
        hyperparameters: model.hyperparameters,
        budget: this.task === 'train' ? epochs : undefined,
        checkpointArtifactId: this.task === 'evaluate' ? model.checkpointArtifactId : undefined,
        task: this.task,
      })),
    );
    return created.length;
  }

  private async chooseModels(context: StepContext): Promise<ChosenModel[]> {
    const step = context.stepConfig;
    let models = await stepModels(context);
    if (models.length === 0) {
      throw new StepFailedError(`${step.name}: a ${step.pipe_step.type} names no model to ${this.task}; set one of ${MODEL_KEYS.map((key) => key.join('.')).join(', ')}`);
    }
    // A desc from a folder or an earlier step is first seen here: one that cannot build fails
    // the step naming its file, rather than every trial after its retries.
    if (onBuiltInTrainer(step)) {
      for (const model of models) {
        try {
          new NetworkDesc(model.desc);
        } catch (error) {
          throw new StepFailedError(`${step.name}: the model of ${model.origin} does not build: ${(error as Error).message}`);
        }
      }
    }
    // Trained weights from a folder are evaluated as a checkpoint of this run; training starts afresh.
    if (this.task === 'evaluate') models = await Promise.all(models.map((model) => storedWeights(context, model)));
    if (this.task === 'evaluate' && models.some((model) => !model.checkpointArtifactId)) {
      throw new StepFailedError(`${step.name}: a BenchmarkPipeStep evaluates trained models; ${models.find((model) => !model.checkpointArtifactId)!.origin} has no checkpoint`);
    }
    return models;
  }
}

registerPipeStep('TrainPipeStep', () => new FixedTrialsExecutor('train'), "Vega's TrainPipeStep: fully trains chosen models");
registerPipeStep('BenchmarkPipeStep', () => new FixedTrialsExecutor('evaluate'), "Vega's BenchmarkPipeStep: evaluates trained models on the test set");
