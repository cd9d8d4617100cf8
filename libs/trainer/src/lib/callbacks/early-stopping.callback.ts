import { InvalidArgumentError } from '@vela/errors';
import type { ArgReader } from '@vela/networks';
import type { EpochLogs, TrainLogs } from '../trainer.types';
import { Callback } from './callback';

/**
 * Ends training when the monitored valid metric has not improved by more than `min_delta`
 * (0) for `patience` (5) validated epochs. `monitor` defaults to the primary metric, `mode`
 * (`auto`, `max`, `min`) to its direction. Enabled by listing it: `callbacks: [{type:
 * EarlyStopping, params: {patience: 3}}]`.
 */
export class EarlyStoppingCallback extends Callback {
  readonly name = 'EarlyStopping';
  // After PerformanceSaver (235), before ModelCheckpoint (240): a checkpoint records the decision.
  override readonly priority = 238;
  private readonly monitorName?: string;
  private readonly patience: number;
  private readonly minDelta: number;
  private readonly modeSetting: 'auto' | 'max' | 'min';
  private monitor = '';
  private mode: 'max' | 'min' = 'max';
  private best?: number;
  private wait = 0;

  constructor(args: ArgReader) {
    super();
    this.monitorName = args.has('monitor') ? args.string('monitor') : undefined;
    args.accept('monitor');
    this.patience = args.int('patience', 5, { min: 1 });
    this.minDelta = args.number('min_delta', 0, { min: 0 });
    this.modeSetting = args.stringOneOf('mode', ['auto', 'max', 'min'], 'auto');
  }

  override beforeTrain(_logs: TrainLogs): void {
    const primary = this.trainer.primaryMetric;
    this.monitor = this.monitorName ?? primary.key;
    const known = ['loss', ...this.trainer.metricKeys];
    if (!known.includes(this.monitor)) {
      throw new InvalidArgumentError(`monitors '${this.monitor}', which validation does not report (it reports ${known.join(', ')})`, 'trainer.callbacks.EarlyStopping.monitor');
    }
    this.mode = this.modeSetting === 'auto' ? (this.monitor === primary.key ? primary.mode : 'min') : this.modeSetting;
  }

  override afterEpoch(epoch: number, logs: EpochLogs): void {
    if (!logs.validated) return;
    const value = this.monitor === 'loss' ? logs.validLoss : logs.validMetrics[this.monitor];
    if (value === undefined) return;
    const improved = this.best === undefined || (this.mode === 'max' ? value > this.best + this.minDelta : value < this.best - this.minDelta);
    if (improved) {
      this.best = value;
      this.wait = 0;
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      this.trainer.requestStop(`early stopping after epoch ${epoch + 1}: ${this.monitor} did not improve on ${this.best} for ${this.patience} epochs`);
    }
  }

  override state(): unknown {
    return { best: this.best ?? null, wait: this.wait };
  }

  override restore(state: unknown): void {
    const { best, wait } = state as { best: number | null; wait: number };
    this.best = best ?? undefined;
    this.wait = wait;
  }
}
