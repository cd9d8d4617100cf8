import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@vela/errors';
import type { ArgReader } from '@vela/networks';
import type { Metric } from '../trainer.types';

/**
 * Vega's `accuracy`: the share of examples whose label is among the `topk` highest outputs;
 * `topk` is an integer or a list (default `[1]`). Its summary is `{accuracy}` for one k and
 * `{top1_accuracy, top5_accuracy, ...}` for several, as Vega's.
 */
export class AccuracyMetric implements Metric {
  readonly name = 'accuracy';
  readonly objective = 'MAX';
  private readonly topk: number[];
  private correct: number[];
  private count = 0;

  constructor(args: ArgReader) {
    const raw = args.value('topk');
    this.topk = typeof raw === 'number' ? [args.int('topk', undefined, { min: 1 })] : args.intList('topk', [1], { min: 1, minLength: 1 });
    this.correct = this.topk.map(() => 0);
  }

  reset(): void {
    this.correct = this.topk.map(() => 0);
    this.count = 0;
  }

  update(output: tf.Tensor, target: tf.Tensor): void {
    const classes = output.shape[output.rank - 1] as number;
    const hits = tf.tidy(() => {
      const labels = target.toInt().reshape([-1, 1]);
      return this.topk.map((k) => {
        if (k > classes) throw new InvalidArgumentError(`top-${k} accuracy needs at least ${k} classes, the model has ${classes}`, 'trainer.metric.params.topk');
        const { indices } = tf.topk(output as tf.Tensor2D, k);
        return indices.equal(labels).any(1).sum().dataSync()[0];
      });
    });
    hits.forEach((hit, i) => (this.correct[i] += hit));
    this.count += output.shape[0] as number;
  }

  summary(): Record<string, number> {
    const values = this.correct.map((c) => (this.count ? c / this.count : 0));
    if (values.length === 1) return { [this.name]: values[0] };
    return Object.fromEntries(this.topk.map((k, i) => [`top${k}_${this.name}`, values[i]]));
  }
}
