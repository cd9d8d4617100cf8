import * as tf from '@tensorflow/tfjs';
import type { ArgReader } from '@vela/networks';
import type { Loss } from '../trainer.types';

/**
 * PyTorch's CrossEntropyLoss over logits `[batch, classes]` and class labels `[batch]`, with
 * `label_smoothing` (0): the target is `(1 - ε)` on the label plus `ε / classes` everywhere.
 */
export class CrossEntropyLoss implements Loss {
  readonly name = 'CrossEntropyLoss';
  private readonly smoothing: number;

  constructor(args: ArgReader) {
    this.smoothing = args.number('label_smoothing', 0, { min: 0, max: 1 });
  }

  compute(output: tf.Tensor, target: tf.Tensor): tf.Scalar {
    const classes = output.shape[1] as number;
    const logProbabilities = tf.logSoftmax(output as tf.Tensor2D);
    const onehot = tf.oneHot(target.toInt(), classes).toFloat();
    const smoothed = this.smoothing ? onehot.mul(1 - this.smoothing).add(this.smoothing / classes) : onehot;
    return smoothed.mul(logProbabilities).sum(1).mean().neg() as tf.Scalar;
  }
}
