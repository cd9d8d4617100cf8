import type { EpochLogs, StepLogs, TrainLogs } from '../trainer.types';
import { Callback } from './callback';

const format = (values: Readonly<Record<string, number>>) =>
  Object.entries(values)
    .map(([key, value]) => `${key}=${Number.isInteger(value) ? value : value.toPrecision(4)}`)
    .join(' ');

/**
 * Vega's ProgressLogger: one line at the start (model, data, compute), one every
 * `report_freq` training steps (loss, rate, throughput) and one per epoch (losses, metrics,
 * time), through the trainer's log function.
 */
export class ProgressLoggerCallback extends Callback {
  readonly name = 'ProgressLogger';
  override readonly priority = 270;
  private windowStart = 0;
  private windowExamples = 0;

  override beforeTrain(_logs: TrainLogs): void {
    const { trainer } = this;
    const { train, valid } = trainer.datasets;
    trainer.log(
      `train: ${trainer.desc.types.join('+')} flops=${trainer.statistics.flops.toPrecision(4)}G params=${trainer.statistics.params.toPrecision(4)}K; ` +
        `data ${train.source} train=${train.size} valid=${valid?.size ?? 0} batch=${train.batchSize}; ` +
        `${trainer.optimizer.name} lr=${trainer.baseLr} ${trainer.lrScheduler.name} ${trainer.loss.name}` +
        (trainer.compute ? `; compute ${trainer.compute.backend} threads=${trainer.compute.threads} ${trainer.compute.device}` : '') +
        (trainer.startEpoch ? `; resuming at epoch ${trainer.startEpoch + 1}` : ''),
    );
  }

  override beforeEpoch(): void {
    this.windowStart = performance.now();
    this.windowExamples = 0;
  }

  override afterTrainStep(batchIndex: number, logs: StepLogs): void {
    this.windowExamples += logs.batch.y.shape[0];
    const { trainer } = this;
    const steps = trainer.datasets.train.numBatches;
    if ((batchIndex + 1) % trainer.settings.reportFreq !== 0 && batchIndex + 1 !== steps) return;
    const seconds = (performance.now() - this.windowStart) / 1000;
    trainer.log(`step ${batchIndex + 1}/${steps} loss=${logs.loss?.toFixed(4)} lr=${trainer.optimizer.lr.toPrecision(4)} ${(this.windowExamples / seconds).toFixed(1)} img/s`);
    this.windowStart = performance.now();
    this.windowExamples = 0;
  }

  override afterEpoch(epoch: number, logs: EpochLogs): void {
    const parts = [
      `epoch ${epoch + 1}/${this.trainer.epochs}`,
      `train_loss=${logs.trainLoss?.toFixed(4)}`,
      logs.validated ? `valid_loss=${logs.validLoss?.toFixed(4)} ${format(logs.validMetrics)}` : 'not validated',
      logs.best ? '(best)' : '',
      `${(logs.trainSeconds + logs.validSeconds).toFixed(1)}s`,
    ];
    this.trainer.log(parts.filter(Boolean).join(' '));
  }

  override afterTrain(logs: TrainLogs): void {
    const best = this.trainer.best;
    this.trainer.log(
      `training ended after ${logs.lastRecord ? logs.lastRecord.epoch + 1 : 0} epochs` +
        (best ? `; best epoch ${best.epoch + 1}: ${format(best.performance)}` : '') +
        (this.trainer.stopReason ? `; ${this.trainer.stopReason}` : ''),
    );
  }
}
