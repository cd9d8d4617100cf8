import { artifactKey } from '../artifacts/artifact-store';
import { encodeCheckpoint } from '../checkpoint/checkpoint';
import type { EpochLogs, Performance, TrainLogs } from '../trainer.types';
import { Callback } from './callback';
import { weightTensors } from './model-checkpoint.callback';

/**
 * Vega's PerformanceSaver: tracks the best validated epoch by the primary metric
 * (`perfs_cmp_key` / `perfs_cmp_mode`), marks it in the logs, and with an artifact store
 * writes `performance.json` (`{best_epoch, best, last}`) each epoch and the best epoch's
 * weights with their desc as `model_best.vela` (unless `save_best_model: false`).
 */
export class PerformanceSaverCallback extends Callback {
  readonly name = 'PerformanceSaver';
  // Before ModelCheckpoint (240), so that a checkpoint holds this epoch's best.
  override readonly priority = 235;
  private primary?: { key: string; mode: 'max' | 'min' };
  private best?: { epoch: number; performance: Performance };

  override beforeTrain(_logs: TrainLogs): void {
    this.primary = this.trainer.primaryMetric;
    this.trainer.best = this.best;
  }

  override async afterEpoch(epoch: number, logs: EpochLogs): Promise<void> {
    const primary = this.primary as { key: string; mode: 'max' | 'min' };
    const value = logs.validMetrics[primary.key];
    if (logs.validated && value !== undefined) {
      const previous = this.best?.performance[primary.key];
      if (previous === undefined || (primary.mode === 'max' ? value > previous : value < previous)) {
        this.best = { epoch, performance: { ...logs.summaryPerfs } };
        this.trainer.best = this.best;
        logs.best = true;
        await this.saveBestWeights(epoch);
      }
    }
    const store = this.trainer.artifacts;
    if (store) {
      const document = { primary: primary.key, best_epoch: this.best?.epoch ?? null, best: this.best?.performance ?? null, last: { epoch, ...logs.summaryPerfs } };
      await store.put(artifactKey(this.trainer.artifactPrefix, 'performance.json'), new TextEncoder().encode(JSON.stringify(document, null, 2)));
    }
  }

  override state(): unknown {
    return this.best ?? null;
  }

  override restore(state: unknown): void {
    this.best = (state as { epoch: number; performance: Performance } | null) ?? undefined;
    this.trainer.best = this.best;
  }

  private async saveBestWeights(epoch: number): Promise<void> {
    const store = this.trainer.artifacts;
    if (!store || !this.trainer.settings.saveBestModel) return;
    const bytes = await encodeCheckpoint({ kind: 'model_best', epoch, desc: this.trainer.desc.json }, weightTensors(this.trainer));
    await store.put(artifactKey(this.trainer.artifactPrefix, 'model_best.vela'), bytes);
  }
}
