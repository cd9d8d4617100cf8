import type { EpochLogs, Metric, StepLogs, TrainLogs } from '../trainer.types';
import { Callback } from './callback';

/** Mean loss and metrics over the batches of one pass. */
class PassMeter {
  private lossSum = 0;
  private examples = 0;

  constructor(readonly metrics: readonly Metric[]) {}

  reset(): void {
    this.lossSum = 0;
    this.examples = 0;
    for (const metric of this.metrics) metric.reset();
  }

  update(step: StepLogs, withMetrics: boolean): void {
    const n = step.batch.y.shape[0];
    this.lossSum += (step.loss ?? 0) * n;
    this.examples += n;
    if (withMetrics && step.output) for (const metric of this.metrics) metric.update(step.output, step.batch.y);
  }

  get loss(): number | undefined {
    return this.examples ? this.lossSum / this.examples : undefined;
  }

  summary(): Record<string, number> {
    return Object.assign({}, ...this.metrics.map((metric) => metric.summary()));
  }
}

/**
 * Vega's MetricsEvaluator: accumulates the loss and the configured metrics over the training
 * steps (metrics only with `call_metrics_on_train`) and over validation, and publishes them
 * in the epoch's logs; the valid metrics become the epoch's performance (an epoch without
 * validation carries the last validated values).
 */
export class MetricsEvaluatorCallback extends Callback {
  readonly name = 'MetricsEvaluator';
  override readonly priority = 230;
  private train?: PassMeter;
  private valid?: PassMeter;
  private lastValid: Record<string, number> = {};

  override beforeTrain(_logs: TrainLogs): void {
    this.train = new PassMeter(this.trainer.createMetrics());
    this.valid = new PassMeter(this.trainer.createMetrics());
  }

  override beforeEpoch(): void {
    this.train?.reset();
  }

  override afterTrainStep(_batchIndex: number, logs: StepLogs): void {
    this.train?.update(logs, this.trainer.settings.callMetricsOnTrain);
  }

  override beforeValid(): void {
    this.valid?.reset();
  }

  override afterValidStep(_batchIndex: number, logs: StepLogs): void {
    this.valid?.update(logs, true);
  }

  override afterValid(logs: EpochLogs): void {
    if (!this.valid) return;
    logs.validLoss = this.valid.loss;
    logs.validMetrics = this.valid.summary();
    this.lastValid = { ...logs.validMetrics };
  }

  override afterEpoch(_epoch: number, logs: EpochLogs): void {
    if (!this.train) return;
    logs.trainLoss = this.train.loss;
    logs.trainMetrics = this.trainer.settings.callMetricsOnTrain ? this.train.summary() : {};
    Object.assign(logs.summaryPerfs, this.lastValid);
  }

  override state(): unknown {
    return { lastValid: this.lastValid };
  }

  override restore(state: unknown): void {
    this.lastValid = { ...(state as { lastValid: Record<string, number> }).lastValid };
  }
}
