import type { EpochLogs, StepLogs } from '../trainer.types';
import { Callback } from './callback';

/**
 * Vega's LearningRateScheduler: sets the optimizer's rate from the configured schedule, before
 * each epoch (the section's `by_epoch: true`, Vega's default) or before each step (fractional epochs).
 * The schedule is a function of the epoch, so a resumed trial gets the same rates.
 */
export class LearningRateSchedulerCallback extends Callback {
  readonly name = 'LearningRateScheduler';
  override readonly priority = 260;
  private currentEpoch = 0;

  override beforeEpoch(epoch: number, logs: EpochLogs): void {
    this.currentEpoch = epoch;
    logs.lr = this.set(epoch);
  }

  override beforeTrainStep(batchIndex: number, _logs: StepLogs): void {
    if (this.trainer.settings.lrByEpoch) return;
    const epoch = this.currentEpoch + batchIndex / Math.max(1, this.trainer.datasets.train.numBatches);
    this.set(epoch);
  }

  override afterEpoch(_epoch: number, logs: EpochLogs): void {
    logs.lr = this.trainer.optimizer.lr;
  }

  private set(progress: number): number {
    const lr = this.trainer.lrScheduler.lrAt(progress, this.trainer.baseLr);
    this.trainer.optimizer.lr = lr;
    return lr;
  }
}
