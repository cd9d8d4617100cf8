import type { EpochLogs } from '../trainer.types';
import { Callback } from './callback';

/**
 * Vega's ReportCallback: builds each epoch's record (performance, losses, rate, timings,
 * checkpoint, compute) and hands it to the trainer's Reporter, which the worker connects to
 * the Report service. Runs last among the defaults, so the record sees every other callback's
 * contribution.
 */
export class ReportCallback extends Callback {
  readonly name = 'ReportCallback';
  override readonly priority = 280;

  override async afterEpoch(epoch: number, logs: EpochLogs): Promise<void> {
    const record = this.trainer.recordOf(epoch, logs);
    this.trainer.lastRecord = record;
    await this.trainer.reporter?.report(record);
  }
}
