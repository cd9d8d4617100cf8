import type { EpochLogs } from '../trainer.types';
import { Callback } from './callback';

/**
 * Vega's ModelStatistics: puts the model's `flops` (billions of multiply-accumulates per
 * example) and `params` (thousands of trainable parameters), counted from the model when the
 * trainer built it, into every epoch's performance.
 */
export class ModelStatisticsCallback extends Callback {
  readonly name = 'ModelStatistics';
  override readonly priority = 220;

  override afterEpoch(_epoch: number, logs: EpochLogs): void {
    const { flops, params } = this.trainer.statistics;
    Object.assign(logs.summaryPerfs, { flops, params });
  }
}
