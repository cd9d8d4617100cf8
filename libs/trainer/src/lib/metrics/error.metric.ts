import * as tf from '@tensorflow/tfjs';
import type { ArgReader } from '@vela/networks';
import { denseTarget } from '../losses/targets';
import type { Metric } from '../trainer.types';

/**
 * `mse` and `mae`: the mean squared or absolute error over every output element (class
 * labels become one-hot rows), accumulated over the epoch.
 */
export class ErrorMetric implements Metric {
  readonly objective = 'MIN';
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: 'mse' | 'mae',
    _args: ArgReader,
  ) {}

  reset(): void {
    this.sum = 0;
    this.count = 0;
  }

  update(output: tf.Tensor, target: tf.Tensor): void {
    this.sum += tf.tidy(() => {
      const difference = output.sub(denseTarget(output, target));
      return (this.name === 'mse' ? difference.square() : difference.abs()).sum().dataSync()[0];
    });
    this.count += output.size;
  }

  summary(): Record<string, number> {
    return { [this.name]: this.count ? this.sum / this.count : 0 };
  }
}
