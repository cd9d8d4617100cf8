// A VELA_PLUGINS module for the control-plane benchmark: the trainer type
// `InstantTrainer`, which "trains" in microseconds by evaluating a synthetic function of the
// trial's hyperparameters and reports one record per epoch, so that a run measures only the
// control plane (pipeline → generator → queue → worker → report).
//
// When VELA_BENCH_TRACE_DIR is set, each training process appends one JSON line per trial to
// `<dir>/<pid>.jsonl`: when the trainer was built (the slot starts the trial), when training
// ended, and the training time it reported. Times are wall-clock milliseconds (sub-ms).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerer } from '@vela/registry';
import type { EpochRecord, Trainer, TrainerOptions, TrainResult } from '@vela/trainer';

/** Wall-clock ms with sub-ms resolution (comparable across processes on one host). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Branin-like bowl over log10(lr) and momentum, mapped to (0, 1]: larger is better. */
export function syntheticAccuracy(lr: number, momentum: number): number {
  const x = Math.log10(lr) + 2.5;
  const y = momentum - 0.9;
  return 1 / (1 + x * x + 4 * y * y);
}

function numberAt(config: Record<string, unknown>, path: readonly string[], fallback: number): number {
  let current: unknown = config;
  for (const key of path) current = current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  return typeof current === 'number' && Number.isFinite(current) ? current : fallback;
}

/** What the worker uses of a trainer (see libs/worker/src/lib/trial-training.ts). */
class InstantTrainer {
  readonly epochs: number;
  readonly startEpoch = 0;
  readonly statistics = { params: 0, flops: 0 };
  readonly primaryMetric = { key: 'accuracy', mode: 'max' as const };
  private readonly config: Record<string, unknown>;
  private readonly builtAt = wallMs();

  constructor(private readonly options: TrainerOptions) {
    this.config = (options.config ?? {}) as Record<string, unknown>;
    this.epochs = Math.max(1, Math.floor(numberAt(this.config, ['epochs'], 1)));
  }

  async train(): Promise<TrainResult> {
    const started = wallMs();
    const accuracy = syntheticAccuracy(numberAt(this.config, ['optimizer', 'params', 'lr'], 0.01), numberAt(this.config, ['optimizer', 'params', 'momentum'], 0.9));
    const seconds = (wallMs() - started) / 1000;
    let last: EpochRecord | undefined;
    for (let epoch = 0; epoch < this.epochs; epoch++) {
      last = {
        epoch,
        epochs: this.epochs,
        status: epoch === this.epochs - 1 ? 'succeeded' : 'running',
        performance: { accuracy, flops: 0, params: 0 },
        trainMetrics: { accuracy },
        lr: numberAt(this.config, ['optimizer', 'params', 'lr'], 0.01),
        best: epoch === 0,
        timings: { trainSeconds: seconds / this.epochs, validSeconds: 0, epochSeconds: seconds / this.epochs, imagesPerSecond: 0 },
        compute: this.options.compute,
      };
      await this.options.reporter?.report(last);
    }
    const trained = wallMs();
    const dir = process.env['VELA_BENCH_TRACE_DIR'];
    if (dir) {
      const trial = (this.options.artifactPrefix ?? '').replace(/^trials\//, '');
      appendFileSync(join(dir, `${process.pid}.jsonl`), `${JSON.stringify({ pid: process.pid, trial, built: this.builtAt, trained, trainMs: seconds * 1000 })}\n`);
    }
    return { status: 'succeeded', epochsCompleted: this.epochs, lastRecord: last, best: { epoch: this.epochs - 1, performance: { accuracy } } };
  }

  dispose(): void {
    // Nothing to free.
  }
}

registerer('trainer')('InstantTrainer', (options) => new InstantTrainer(options) as unknown as Trainer, {
  description: 'evaluates a synthetic function of the hyperparameters instantly (control-plane benchmark)',
});
